import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { MailTransport, OutgoingMessage, SendOutcome } from "./transport.js";

export interface SesTransportOptions {
  /** The SES client, built by the composition root (`createSesClient` in services.ts). */
  readonly client: Pick<SESv2Client, "send" | "destroy">;
  /** A configuration set with an event destination is how bounces reach you later (SNS/EventBridge). */
  readonly configurationSetName?: string;
}

// Account-level refusals: every further send would fail the same way, so the run stops.
const ACCOUNT_DOWN = new Set([
  "AccountSuspendedException",
  "SendingPausedException",
  "MailFromDomainNotVerifiedException",
  "NotFoundException",
]);

/** Classifies an SES v2 error into an outcome the ledger records. */
export function classifySesError(error: unknown): SendOutcome {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "Error";
  const reason = `SES ${name}: ${e.message ?? ""}`.trim();
  const status = e.$metadata?.httpStatusCode;
  if (name === "MessageRejected") return { status: "bounced", reason };
  if (ACCOUNT_DOWN.has(name)) return { status: "failed", reason, transportDown: true };
  // The SDK already retried throttling; a 4xx answer means SES did not take the message.
  if (typeof status === "number" && status >= 400 && status < 500) return { status: "failed", reason };
  if (typeof status === "number" && status >= 500) return { status: "unknown", reason, transportDown: true };
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(`${e.message ?? ""} ${(e as { code?: string }).code ?? ""}`)) {
    return { status: "failed", reason, transportDown: true };
  }
  return { status: "unknown", reason, transportDown: true };
}

/**
 * Sends through Amazon SES v2 `SendEmail` with simple content, one recipient per call.
 * @example const ses = createSesTransport({ client: createSesClient({ region: "eu-west-1" }) });
 */
export function createSesTransport(options: SesTransportOptions): MailTransport {
  const { client } = options;
  return {
    name: "ses",
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: message.from,
            Destination: { ToAddresses: [message.to] },
            Content: {
              Simple: {
                Subject: { Data: message.subject, Charset: "UTF-8" },
                Body: {
                  Text: { Data: message.text, Charset: "UTF-8" },
                  ...(message.html === undefined ? {} : { Html: { Data: message.html, Charset: "UTF-8" } }),
                },
              },
            },
            EmailTags: [{ Name: "campaign", Value: message.campaign.replace(/[^A-Za-z0-9_-]/g, "_") }],
            ...(options.configurationSetName ? { ConfigurationSetName: options.configurationSetName } : {}),
          }),
        );
        return { status: "sent", messageId: result.MessageId ?? "" };
      } catch (error) {
        return classifySesError(error);
      }
    },
    async close() {
      if (options.client === undefined) client.destroy();
    },
  };
}
