/** One message to one recipient, ready for a transport. */
export interface OutgoingMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Identifies the campaign in the transport's own logs (header or tag). */
  readonly campaign: string;
}

/**
 * What became of a send:
 * - sent: the server accepted it (and gave an id)
 * - bounced: the server refused the recipient for good (SMTP 5xx on RCPT, SES rejection)
 * - failed: refused or not delivered, nothing left our side twice (4xx, other 5xx, connection refused)
 * - unknown: the connection broke after the message may have left; treated like a send (never retried by default)
 */
export type SendOutcome =
  | { readonly status: "sent"; readonly messageId: string }
  | {
      readonly status: "failed" | "bounced" | "unknown";
      readonly reason: string;
      readonly transportDown?: boolean;
    };

/** Sends one message; never throws for a delivery problem, only reports it. */
export interface MailTransport {
  readonly name: string;
  send(message: OutgoingMessage): Promise<SendOutcome>;
  close(): Promise<void>;
}
