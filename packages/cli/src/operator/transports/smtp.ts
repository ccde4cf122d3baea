import nodemailer from "nodemailer";
import type { MailTransport, OutgoingMessage, SendOutcome } from "./transport.js";

export interface SmtpTransportOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when offered. */
  readonly secure?: boolean;
  /** Only from the environment (never a file): see `smtpOptionsFromEnv`. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Accept self-signed certificates, for a local relay only. */
  readonly allowSelfSigned?: boolean;
  /** Per-step deadline in ms (connect, greeting, each command); default 30,000. */
  readonly timeoutMs?: number;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

// Errors that prove nothing left our side: the server never took the message.
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

/** Classifies a nodemailer error into an outcome the ledger records. */
export function classifySmtpError(error: unknown): SendOutcome {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as SmtpFailure;
  const serverText = e.response?.trim();
  if (typeof e.responseCode === "number") {
    const reason = `SMTP ${e.responseCode}${e.command ? ` on ${e.command}` : ""}: ${serverText ?? e.message ?? ""}`;
    if (e.responseCode >= 500 && (e.command ?? "").toUpperCase().startsWith("RCPT")) {
      return { status: "bounced", reason };
    }
    // The relay refusing our login fails every send alike; nodemailer gives it a response code too.
    return e.code === "EAUTH"
      ? { status: "failed", reason, transportDown: true }
      : { status: "failed", reason };
  }
  const reason = `${e.code ?? "error"}: ${e.message ?? "unknown error"}`;
  if (e.code === "EAUTH" || e.code === "EDNS" || e.code === "EMESSAGE" || NOT_SENT.test(e.message ?? "")) {
    return { status: "failed", reason, transportDown: e.code !== "EMESSAGE" };
  }
  return { status: "unknown", reason, transportDown: true };
}

/**
 * Sends through an SMTP relay with nodemailer, one recipient per message over a pooled connection.
 * @example const smtp = createSmtpTransport({ host: "127.0.0.1", port: 2525 });
 */
export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const timeout = options.timeoutMs ?? 30_000;
  const transporter = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    pool: true,
    maxConnections: 1,
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    tls: { rejectUnauthorized: !(options.allowSelfSigned ?? false) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
  });
  return {
    name: "smtp",
    async send(message: OutgoingMessage): Promise<SendOutcome> {
      try {
        const info = await transporter.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
          headers: { "X-Campaign": message.campaign },
        });
        const rejected = info.rejected.map(String);
        if (rejected.length > 0) {
          return { status: "bounced", reason: `SMTP rejected ${rejected.join(", ")}: ${info.response}` };
        }
        return { status: "sent", messageId: info.messageId };
      } catch (error) {
        return classifySmtpError(error);
      }
    },
    async close() {
      transporter.close();
    },
  };
}
