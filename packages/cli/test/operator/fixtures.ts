import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SnapshotLine } from "@realm-to-cognito/core";
import { Command } from "commander";
import { SMTPServer } from "smtp-server";
import { clockAt } from "../../src/clock.js";
import { ImportLedger, type PlannedUser } from "../../src/ledger/index.js";
import { registerOperatorCommands } from "../../src/operator/index.js";
import { type Progress, startProgress } from "../../src/progress.js";
import { createServices, type Services } from "../../src/services.js";

export function tempDir(prefix = "operator-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function realmIdOf(index: number): string {
  return index.toString(16).padStart(24, "0");
}

export interface LedgerUserSpec {
  readonly index: number;
  /** `created` = imported in phase 2; `already-present` = migrated in phase 1. */
  readonly state: "created" | "already-present" | "planned" | "rejected" | "failed";
  readonly email?: string;
  readonly reason?: string;
  readonly lastAuthenticatedAt?: string;
  readonly confirmed?: boolean;
  /** Pool creation date for already-present users. */
  readonly poolCreatedAt?: string;
  /** When a `created` user was imported (the ledger's clock at the transition). */
  readonly importedAt?: string;
}

/** Fills a real CLI ledger (through its own API) with users in the given states. */
export function buildLedger(file: string, specs: readonly LedgerUserSpec[], now = () => new Date()): void {
  let at: Date | undefined;
  const ledger = ImportLedger.open(file, { clock: clockAt(() => at ?? now()) });
  try {
    const planned: PlannedUser[] = specs.map((spec) => {
      const email = spec.email ?? `user${spec.index}@example.com`;
      const user: SnapshotLine = {
        realmUserId: realmIdOf(spec.index),
        email,
        confirmed: spec.confirmed ?? true,
        disabled: false,
        ...(spec.lastAuthenticatedAt ? { lastAuthenticatedAt: spec.lastAuthenticatedAt } : {}),
        source: "admin-api",
      };
      const state =
        spec.state === "rejected"
          ? "rejected"
          : spec.state === "already-present"
            ? "already-present"
            : "planned";
      return {
        key: realmIdOf(spec.index),
        user,
        emailKey: email.toLowerCase(),
        state,
        ...(spec.state === "rejected" ? { reason: spec.reason ?? "invalid email" } : {}),
      };
    });
    ledger.recordPlan(planned);
    ledger.replacePoolUsers(
      "us-east-1_test",
      specs
        .filter((s) => s.state === "already-present")
        .map((s) => ({
          username: s.email ?? `user${s.index}@example.com`,
          email: s.email ?? `user${s.index}@example.com`,
          realmUserId: realmIdOf(s.index),
          status: "CONFIRMED",
          enabled: true,
          createdAt: s.poolCreatedAt,
        })),
    );
    for (const spec of specs) {
      at = spec.importedAt ? new Date(spec.importedAt) : undefined;
      if (spec.state === "created")
        ledger.transition(realmIdOf(spec.index), "created", {
          event: "AdminCreateUser",
          engine: "admin-create",
        });
      if (spec.state === "failed")
        ledger.transition(realmIdOf(spec.index), "failed", {
          event: "AdminCreateUser",
          reason: spec.reason ?? "InternalErrorException",
        });
    }
  } finally {
    ledger.close();
  }
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Mailbox {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Connection errors the server saw (a sender killed mid-session resets its socket). */
  readonly connectionErrors: NodeJS.ErrnoException[];
  close(): Promise<void>;
}

export interface MailboxOptions {
  /** Require AUTH PLAIN/LOGIN (over plain TCP, for tests) with these credentials. */
  readonly credentials?: { readonly user: string; readonly pass: string };
  /** A recipient this returns a message for is refused with 550 and that text. */
  readonly refuse?: (address: string) => string | undefined;
  /** Called when a message is fully received; resolve to let the server answer 250. */
  readonly beforeAnswer?: (mail: ReceivedMail, count: number) => Promise<void> | void;
}

/** A real SMTP server (smtp-server) on a free port that keeps what it receives. */
export async function startMailbox(options: MailboxOptions = {}): Promise<Mailbox> {
  const received: ReceivedMail[] = [];
  const connectionErrors: NodeJS.ErrnoException[] = [];
  const server = new SMTPServer({
    authOptional: options.credentials === undefined,
    allowInsecureAuth: true,
    disabledCommands: options.credentials === undefined ? ["STARTTLS", "AUTH"] : ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.credentials?.user && auth.password === options.credentials?.pass;
      return ok
        ? callback(null, { user: auth.username })
        : callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.refuse?.(address.address);
      if (refusal === undefined) return callback();
      const error = new Error(refusal) as Error & { responseCode: number };
      error.responseCode = 550;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const mail = parseMail(Buffer.concat(chunks).toString("utf8"), session.envelope);
        received.push(mail);
        Promise.resolve(options.beforeAnswer?.(mail, received.length)).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  // smtp-server re-emits socket errors on the server; without a listener a killed sender's
  // ECONNRESET would become an uncaught exception in the test process.
  server.on("error", (error: NodeJS.ErrnoException) => connectionErrors.push(error));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    received,
    connectionErrors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return headers;
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, kind: string, text: string) =>
    kind.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : decodeQuotedPrintable(text.replaceAll("_", " ")),
  );
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(body, "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

function parseMail(
  raw: string,
  envelope: { mailFrom: false | { address: string }; rcptTo: Array<{ address: string }> },
): ReceivedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const rest = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  let text = "";
  let html = "";
  const boundary = /boundary="?([^";]+)"?/.exec(headers["content-type"] ?? "")?.[1];
  const parts = boundary ? rest.split(`--${boundary}`).slice(1, -1) : [raw.slice(split)];
  for (const part of parts) {
    const at = part.search(/\r?\n\r?\n/);
    const partHeaders = boundary ? parseHeaders(part.slice(0, at).trim()) : headers;
    const body = decodeBody(partHeaders, (boundary ? part.slice(at) : part).trim());
    if ((partHeaders["content-type"] ?? "").startsWith("text/html")) html = body;
    else text = body;
  }
  return {
    from: envelope.mailFrom === false ? "" : envelope.mailFrom.address,
    to: envelope.rcptTo.map((r) => r.address),
    subject: decodeWords(headers.subject ?? ""),
    text: text.replace(/\r\n/g, "\n"),
    html: html.replace(/\r\n/g, "\n"),
    headers,
  };
}

/**
 * Runs the operator's commands in this process, on the program `program` builds (default: a bare one
 * with only the operator's commands) and with only `env` for an environment; what they print is captured.
 */
export async function runOperator(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; program?: (services: Services) => Command } = {},
): Promise<{ out: string; err: string }> {
  let out = "";
  let err = "";
  const services = createServices({
    env: options.env ?? {},
    output: { stdout: (t) => (out += t), stderr: (t) => (err += t), progress: silentProgress },
  });
  const program = options.program?.(services) ?? operatorProgram(services);
  await program.parseAsync(["node", "realm-to-cognito", ...args]);
  return { out, err };
}

/** notify's flags for a local SMTP relay on `port`, with a sender, app name, reset link and rate. */
export function smtpNotifyArgs(
  port: number,
  message: { from?: string; appName?: string; resetLink?: string; rate?: number } = {},
): string[] {
  return [
    "--transport",
    "smtp",
    "--smtp-host",
    "127.0.0.1",
    "--smtp-port",
    String(port),
    "--from",
    message.from ?? "noreply@example.com",
    "--app-name",
    message.appName ?? "Notes",
    "--reset-link",
    message.resetLink ?? "https://app.example.com/reset",
    "--rate",
    String(message.rate ?? 200),
  ];
}

/** A bare program with only the operator's commands, taking `services`. */
export function operatorProgram(services: Services): Command {
  const program = new Command().exitOverride();
  registerOperatorCommands(program, services);
  return program;
}

/** Progress that shows nothing: the tests' output has no terminal. */
export function silentProgress(options: { label: string; total: number }): Progress {
  return startProgress({ ...options, quiet: true });
}
