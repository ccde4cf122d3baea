import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Duplex } from "node:stream";
import { listen, type RunningServer } from "../http-server.js";
import { adminRoutes } from "./admin-api.js";
import { type AppSettings, type ConfirmationFunction, EmulatedApp, type ResetFunction } from "./app.js";
import { clientRoutes, type LoginLimit } from "./client-api.js";
import { toCanonicalExtendedJson } from "./ejson.js";
import { EmulatorConfigError } from "./errors.js";
import { type Route, serve } from "./http.js";
import { isObjectId, newObjectId } from "./ids.js";
import { sandboxPages } from "./pages.js";
import { type SeedSummary, seedUsers } from "./seed.js";
import { EmulatorStore, type MailRow } from "./store.js";

export type { ConfirmationFunction, FunctionStatus, ResetFunction } from "./app.js";
export { toCanonicalExtendedJson } from "./ejson.js";
export { EmulatorConfigError, ServiceError } from "./errors.js";
export {
  prng,
  type SeededState,
  type SeedSummary,
  seededEmail,
  seededPassword,
  seededState,
} from "./seed.js";

export interface AppServicesEmulatorOptions {
  /** Default memory; an SQLite file survives a restart (users, sessions, pending registrations, outbox). */
  storage?: { kind: "memory" } | { kind: "sqlite"; file: string };
  /** Default 0: a free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** The client app id, default "sandbox-app-abcde". */
  appId?: string;
  /** 24-hex; deterministic defaults. */
  groupId?: string;
  appObjectId?: string;
  /** The Atlas programmatic API key the Admin API accepts; deterministic default. */
  apiKey?: { publicKey: string; privateKey: string };
  /** Confirm registrations at once. Default false (confirmation emails go to the outbox). */
  autoConfirm?: boolean;
  /** Realm's "run a confirmation function" mode. */
  confirmationFunction?: ConfirmationFunction;
  /** Realm's "run a password reset function" mode; `reset/send` is then refused. */
  resetFunction?: ResetFunction;
  /** The custom-user-data collection; default { collection: "users", userIdField: "user_id" }; false for none. */
  customUserData?: { collection: string; userIdField: string } | false;
  /** Default 1800, as Realm. */
  accessTokenTtlSeconds?: number;
  /** How long confirmation and reset links stay usable, in ms; default 30 minutes, as Realm. */
  userpassTokenTtlMs?: number;
  /** Milliseconds clock for tests; default Date.now. */
  now?: () => number;
  /** Emulator addition: the page links in confirmation emails point to; default the sandbox's own page, which confirms. */
  emailConfirmationUrl?: string;
  /** Emulator addition: the page links in reset emails point to; default the sandbox's own password form. */
  resetPasswordUrl?: string;
  /**
   * flowerbase's difference that matters to phase 1: logins limited per client address (flowerbase's
   * default is `{ max: 10, windowMs: 15 * 60_000 }`), answered 429. Default: no limit, as Realm.
   */
  loginLimitPerAddress?: LoginLimit;
}

/** An email the emulator "sent": kept in its outbox instead. */
export interface SentMail {
  to: string;
  kind: "confirm" | "reset";
  token: string;
  tokenId: string;
  url: string;
  at: number;
}

export interface AppServicesEmulator {
  /** "http://127.0.0.1:PORT" — AuthClient / realm-web baseUrl; /location answers with this origin. */
  baseUrl: string;
  /** Origin for AdminClient (it appends /api/admin/v3.0); the same server. */
  adminBaseUrl: string;
  appId: string;
  groupId: string;
  appObjectId: string;
  apiKey: { publicKey: string; privateKey: string };
  outbox: { all(): SentMail[]; latest(to: string, kind?: SentMail["kind"]): SentMail | undefined };
  /** The app's custom-user-data collection: `_id` (24-hex), the user id field, `email`, profile fields. */
  userDocuments(): Array<Record<string, unknown>>;
  /** Writes that collection as `mongoexport` does (one canonical Extended JSON document per line). */
  exportUserCollection(file: string): Promise<void>;
  /** Deterministic seeding: `user{i}@example.com` with password seededPassword(seed, i), i = 1..count. */
  seed(options: { count: number; seed?: number }): Promise<SeedSummary>;
  stop(): Promise<void>;
}

export const DEFAULT_APP_ID = "sandbox-app-abcde";
export const DEFAULT_GROUP_ID = "5f1e0a3b9c8d7e6f5a4b3c2d";
export const DEFAULT_APP_OBJECT_ID = "5f1e0a3b9c8d7e6f5a4b3c2e";
export const DEFAULT_API_KEY = { publicKey: "sandboxk", privateKey: "5a4d1b0e-7c3f-4e2a-9b8d-0123456789ab" };

/**
 * Starts the App Services emulator: Realm's client API (email/password, sessions, profile) and the Admin
 * API v3 (users, pending registrations) on one node:http server, with Realm's routes, status codes and
 * error bodies. Emails are case-sensitive at login, as in Realm. Passwords are stored with one salted
 * SHA-256: this is a test double, not a security boundary.
 * @example
 * const realm = await startAppServicesEmulator({ autoConfirm: true });
 * const app = new Realm.App({ id: realm.appId, baseUrl: realm.baseUrl });
 * await realm.stop();
 */
export async function startAppServicesEmulator(
  options: AppServicesEmulatorOptions = {},
): Promise<AppServicesEmulator> {
  const settingsWithoutUrls = resolveSettings(options);
  const storage = options.storage ?? { kind: "memory" };
  const store = new EmulatorStore(storage.kind === "sqlite" ? storage.file : ":memory:");
  let routes: Route[] = [];
  const server = createServer((request, response) => {
    void serve(routes, request, response, (origin) => ({
      link: `${origin}/groups/${settingsWithoutUrls.groupId}/apps/${settingsWithoutUrls.appObjectId}/logs?co_id=${newObjectId(settingsWithoutUrls.now())}`,
    }));
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => answerUnparsable(error, socket));
  let running: RunningServer;
  try {
    running = await listen(server, { port: options.port, host: options.host });
  } catch (error) {
    store.close();
    throw error;
  }
  const baseUrl = running.origin;
  const settings: AppSettings = {
    ...settingsWithoutUrls,
    emailConfirmationUrl: options.emailConfirmationUrl ?? `${baseUrl}/_sandbox/pages/confirm`,
    resetPasswordUrl: options.resetPasswordUrl ?? `${baseUrl}/_sandbox/pages/reset`,
  };
  const app = new EmulatedApp(store, settings);
  routes = [
    ...clientRoutes(app, {
      ...(options.loginLimitPerAddress ? { loginLimit: options.loginLimitPerAddress } : {}),
      ...(options.now ? { now: options.now } : {}),
    }),
    ...adminRoutes(app),
    ...sandboxRoutes(app),
    ...sandboxPages(app),
  ];

  const documents = (): Array<Record<string, unknown>> => {
    const config = settings.customUserData;
    if (config === false) return [];
    return [...store.documents(config.collection)].map((body) => JSON.parse(body) as Record<string, unknown>);
  };
  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    adminBaseUrl: baseUrl,
    appId: settings.appId,
    groupId: settings.groupId,
    appObjectId: settings.appObjectId,
    apiKey: { ...settings.apiKey },
    outbox: {
      all: () => app.mails().map(toSentMail),
      latest: (to, kind) =>
        app
          .mails(to)
          .map(toSentMail)
          .filter((mail) => kind === undefined || mail.kind === kind)
          .at(-1),
    },
    userDocuments: documents,
    async exportUserCollection(file) {
      const lines = documents().map((document) => `${toCanonicalExtendedJson(document)}\n`);
      await writeFile(file, lines.join(""), "utf8");
    },
    seed: (seedOptions) => seedUsers({ store, customUserData: settings.customUserData }, seedOptions),
    stop() {
      stopped ??= running.close().then(() => store.close());
      return stopped;
    },
  };
}

/** A request too broken to parse still gets Realm's error body, then the connection is closed. */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const body = JSON.stringify({
    error: tooLarge ? "request headers too large" : "malformed HTTP request",
    error_code: "BadRequest",
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function sandboxRoutes(app: EmulatedApp): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/_sandbox\/outbox\/?$/,
      handle: (request) => ({
        status: 200,
        body: app.mails(request.query.get("to") ?? undefined).map(toSentMail),
      }),
    },
  ];
}

function toSentMail(row: MailRow): SentMail {
  return {
    to: row.recipient,
    kind: row.kind,
    token: row.token,
    tokenId: row.token_id,
    url: row.url,
    at: row.at,
  };
}

function resolveSettings(
  options: AppServicesEmulatorOptions,
): Omit<AppSettings, "emailConfirmationUrl" | "resetPasswordUrl"> {
  const groupId = options.groupId ?? DEFAULT_GROUP_ID;
  const appObjectId = options.appObjectId ?? DEFAULT_APP_OBJECT_ID;
  for (const [name, value] of [
    ["groupId", groupId],
    ["appObjectId", appObjectId],
  ] as const) {
    if (!isObjectId(value)) throw new EmulatorConfigError(`${name} must be 24 lowercase hex digits`);
  }
  const appId = options.appId ?? DEFAULT_APP_ID;
  if (!/^[\w.-]+$/.test(appId))
    throw new EmulatorConfigError("appId must be a client app id like myapp-abcde");
  const ttl = options.accessTokenTtlSeconds ?? 1800;
  if (!Number.isInteger(ttl) || ttl <= 0) {
    throw new EmulatorConfigError("accessTokenTtlSeconds must be a positive integer");
  }
  const userpassTtl = options.userpassTokenTtlMs ?? 30 * 60 * 1000;
  if (!Number.isInteger(userpassTtl) || userpassTtl <= 0) {
    throw new EmulatorConfigError("userpassTokenTtlMs must be a positive integer");
  }
  const customUserData = options.customUserData ?? { collection: "users", userIdField: "user_id" };
  if (customUserData !== false && (!customUserData.collection || !customUserData.userIdField)) {
    throw new EmulatorConfigError("customUserData needs a collection and a userIdField");
  }
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  if (!apiKey.publicKey || !apiKey.privateKey) throw new EmulatorConfigError("apiKey needs both keys");
  return {
    appId,
    groupId,
    appObjectId,
    domainId: `${appObjectId.slice(0, 16)}d0d0d0d0`,
    providerId: `${appObjectId.slice(0, 16)}00000003`,
    adminUserId: `${groupId.slice(0, 16)}ad000001`,
    apiKey: { publicKey: apiKey.publicKey, privateKey: apiKey.privateKey },
    autoConfirm: options.autoConfirm ?? false,
    confirmationFunction: options.confirmationFunction,
    resetFunction: options.resetFunction,
    customUserData,
    accessTokenTtlSeconds: ttl,
    refreshTokenTtlSeconds: 60 * 24 * 3600,
    userpassTokenTtlMs: userpassTtl,
    now: options.now ?? Date.now,
  };
}
