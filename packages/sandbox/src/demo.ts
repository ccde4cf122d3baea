import { pathToFileURL } from "node:url";
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import { AuthClient, RealmRejectedError } from "@realm-to-cognito/realm";
import { USER_MIGRATION_FUNCTION } from "./cognito/index.js";
import { type SandboxWorld, startSandboxWorld } from "./world.js";

/** A seeded user the demo may sign in with. */
export interface DemoUser {
  email: string;
  password: string;
  state: string;
}

/** What every step gets: the running world, ready clients, and a place to leave facts for later steps. */
export interface DemoContext {
  world: SandboxWorld;
  realm: AuthClient;
  cognito: CognitoIdentityProviderClient;
  /** Seeded demo users by state: `active` (3), `never-logged-in`, `pending`, `disabled`. */
  user(state: string, nth?: number): DemoUser;
  /** Facts earlier steps found out (e.g. a migrated user's Realm id), by name. */
  facts: Map<string, unknown>;
}

/** One step of the rehearsal. `run` answers what happened in a line, or throws when it was not what we expected. */
export interface DemoStep {
  title: string;
  expected: string;
  run(context: DemoContext): Promise<string>;
}

/** An outcome other than the step's `expected`. */
export class UnexpectedOutcome extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnexpectedOutcome";
  }
}

/** Throws UnexpectedOutcome with `message` unless `condition` holds: how a step says it went wrong. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new UnexpectedOutcome(message);
}

/** USER_PASSWORD_AUTH against the world's pool; the tokens, or the Cognito exception. */
export async function signInToCognito(context: DemoContext, email: string, password: string) {
  const { AuthenticationResult } = await context.cognito.send(
    new InitiateAuthCommand({
      ClientId: context.world.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  return AuthenticationResult;
}

/** The Cognito exception name of a refused call, or "accepted". */
export async function cognitoVerdict(context: DemoContext, email: string, password: string): Promise<string> {
  try {
    await signInToCognito(context, email, password);
    return "accepted";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

/** POST /resync-password as the front end does after Realm took a password Cognito refused. */
async function postResync(
  context: DemoContext,
  email: string,
  password: string,
): Promise<{ status: number; body: { status?: string } }> {
  const response = await fetch(`${context.world.api.baseUrl}/resync-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return { status: response.status, body: (await response.json()) as { status?: string } };
}

/** POST /resync-password as the front end does after Realm took a password Cognito refused; checks it healed. */
export async function resyncThroughApi(context: DemoContext, email: string, password: string): Promise<void> {
  const { status, body } = await postResync(context, email, password);
  check(status === 200 && body.status === "resynced", `resync answered ${status} ${body.status}`);
}

/**
 * POST /resync-password after a reset request, as the front end does at each sign-in: refused (the same
 * 401) while Realm's reset link may still be used, then resynced once it has expired. Returns how many
 * times it was refused and after how long it healed.
 */
export async function resyncAfterResetWindow(
  context: DemoContext,
  email: string,
  password: string,
): Promise<{ refusals: number; healedAfterMs: number }> {
  const started = Date.now();
  const deadline = started + context.world.resetTokenLifetimeMs + 15_000;
  let refusals = 0;
  for (;;) {
    const { status, body } = await postResync(context, email, password);
    if (status === 200 && body.status === "resynced")
      return { refusals, healedAfterMs: Date.now() - started };
    check(status === 401, `resync answered ${status} ${body.status}`);
    refusals++;
    check(Date.now() < deadline, `resync still refused ${refusals} times, past the reset link's lifetime`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Realm's error_code of a refused login, or "accepted". */
async function realmVerdict(context: DemoContext, email: string, password: string): Promise<string> {
  try {
    await context.realm.login(email, password);
    return "accepted";
  } catch (error) {
    if (error instanceof RealmRejectedError) return error.errorCode || `HTTP ${error.status}`;
    throw error;
  }
}

async function cognitoAttributes(context: DemoContext, email: string) {
  try {
    const user = await context.cognito.send(
      new AdminGetUserCommand({ UserPoolId: context.world.userPoolId, Username: email }),
    );
    const attributes = Object.fromEntries(
      (user.UserAttributes ?? []).map(({ Name, Value }) => [Name, Value]),
    );
    return { username: user.Username, status: user.UserStatus, attributes };
  } catch (error) {
    if (error instanceof Error && error.name === "UserNotFoundException") return undefined;
    throw error;
  }
}

const triggerRuns = (context: DemoContext) => context.world.bridge.invocations(USER_MIGRATION_FUNCTION);

/** Signs a user in to Realm, then to Cognito, and checks the trigger migrated them. */
async function migrateOnFirstSignIn(context: DemoContext, user: DemoUser): Promise<string> {
  const session = await context.realm.login(user.email, user.password);
  const before = triggerRuns(context);
  const tokens = await signInToCognito(context, user.email, user.password);
  check(tokens?.IdToken, `Cognito gave ${user.email} no tokens`);
  check(triggerRuns(context) === before + 1, "the migration trigger did not run exactly once");
  const migrated = await cognitoAttributes(context, user.email);
  check(migrated?.status === "CONFIRMED", `${user.email} is ${migrated?.status ?? "missing"} in Cognito`);
  check(
    migrated.attributes[REALM_USER_ID_ATTRIBUTE] === session.userId,
    `${user.email} has the wrong ${REALM_USER_ID_ATTRIBUTE}`,
  );
  context.facts.set(`realmUserId:${user.email}`, session.userId);
  return session.userId;
}

const MIGRATION_STATE = "custom:migration_state";

/** The rehearsal of phase 1 (realm-primary). Add steps here; each runs whatever happened before it. */
export const demoSteps: DemoStep[] = [
  {
    title: "Seed the App Services emulator",
    expected: "users in four states: active, never-logged-in, pending, disabled",
    async run({ world }) {
      const { count, byState } = world.seedSummary;
      check(count > 0, "no users were seeded");
      const states = Object.entries(byState).map(([state, n]) => `${n} ${state}`);
      return `${count} users: ${states.join(", ")}`;
    },
  },
  {
    title: "First sign-in of three active users",
    expected: "Realm accepts; Cognito runs the trigger once each and creates CONFIRMED users",
    async run(context) {
      const users = [0, 1, 2].map((nth) => context.user("active", nth));
      for (const user of users) await migrateOnFirstSignIn(context, user);
      return `${users.map((user) => user.email).join(", ")} migrated with their Realm ids`;
    },
  },
  {
    title: "Second sign-in of a migrated user",
    expected: "Cognito answers alone: the trigger does not run",
    async run(context) {
      const user = context.user("active", 0);
      const before = triggerRuns(context);
      const tokens = await signInToCognito(context, user.email, user.password);
      check(tokens?.AccessToken, "no tokens on the second sign-in");
      check(triggerRuns(context) === before, "the trigger ran again for a migrated user");
      return `${user.email} signed in; trigger runs unchanged (${before})`;
    },
  },
  {
    title: "Wrong password for a user not yet migrated",
    expected: "Realm and Cognito refuse; no Cognito user is created",
    async run(context) {
      const user = context.user("never-logged-in");
      const wrong = `${user.password}-wrong`;
      const realm = await realmVerdict(context, user.email, wrong);
      const cognito = await cognitoVerdict(context, user.email, wrong);
      check(realm !== "accepted", "Realm accepted a wrong password");
      check(cognito === "NotAuthorizedException", `Cognito answered ${cognito}`);
      check((await cognitoAttributes(context, user.email)) === undefined, "a Cognito user was created");
      return `Realm: ${realm}; Cognito: ${cognito}; no Cognito user`;
    },
  },
  {
    title: "First sign-in of a confirmed user who never signed in before",
    expected: "migrated like any other confirmed user",
    async run(context) {
      const user = context.user("never-logged-in");
      await migrateOnFirstSignIn(context, user);
      return `${user.email} migrated`;
    },
  },
  {
    title: "Disabled and unconfirmed Realm users",
    expected: "refused by Realm and by Cognito; nothing created",
    async run(context) {
      const verdicts: string[] = [];
      for (const user of [context.user("disabled"), context.user("pending")]) {
        const realm = await realmVerdict(context, user.email, user.password);
        const cognito = await cognitoVerdict(context, user.email, user.password);
        check(
          realm !== "accepted" && cognito === "NotAuthorizedException",
          `${user.state} user got in somewhere`,
        );
        check(
          (await cognitoAttributes(context, user.email)) === undefined,
          `a Cognito user was created for ${user.email}`,
        );
        verdicts.push(`${user.state}: Realm ${realm}, Cognito ${cognito}`);
      }
      return verdicts.join("; ");
    },
  },
  {
    title: "Password reset requested by a migrated user",
    expected:
      "the backend makes Realm's reset request and keeps the Cognito user (same sub): random password, signed out, marked stale (202)",
    async run(context) {
      const user = context.user("active", 1);
      const before = await cognitoAttributes(context, user.email);
      check(before?.attributes[MIGRATION_STATE] === "realm-password", `${user.email} is not a phase-1 user`);
      // The front end calls only the endpoint: it makes Realm's own reset request itself.
      const response = await fetch(`${context.world.api.baseUrl}/password-reset-requested`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: user.email }),
      });
      check(response.status === 202, `the migration API answered ${response.status}`);
      check(context.world.realm.outbox.latest(user.email, "reset"), "Realm sent no reset email");
      const after = await cognitoAttributes(context, user.email);
      check(after, "the Cognito user is gone");
      check(after.username === before.username, "the Cognito user was replaced: its sub changed");
      check(after.attributes[MIGRATION_STATE] === "stale", `marked ${after.attributes[MIGRATION_STATE]}`);
      check(
        context.world.cognitoAdmin.signOuts.includes(`${context.world.userPoolId}/${before.username}`),
        "the user's sessions were not signed out",
      );
      const old = await cognitoVerdict(context, user.email, user.password);
      check(old !== "accepted", "Cognito still takes the password Realm is replacing");
      return `POST /password-reset-requested → 202, reset mail sent; ${user.email} kept (same sub), marked stale, signed out; old password refused in Cognito (${old})`;
    },
  },
  {
    title: "Reset completed in Realm, then sign-in with the new password",
    expected:
      "Cognito refuses; /resync-password (verified by Realm) refuses while the reset link lives, then heals it, same sub",
    async run(context) {
      const user = context.user("active", 1);
      const mail = context.world.realm.outbox.latest(user.email, "reset");
      check(mail, "no reset email to follow");
      const newPassword = "Brand-New-Passw0rd!";
      await context.realm.resetPassword(mail.token, mail.tokenId, newPassword);
      const oldPassword = await cognitoVerdict(context, user.email, user.password);
      check(oldPassword !== "accepted", `the old password got ${oldPassword}`);
      const before = await cognitoAttributes(context, user.email);
      const stale = await cognitoVerdict(context, user.email, newPassword);
      check(stale !== "accepted", "Cognito took the new password before any re-sync");
      const { refusals, healedAfterMs } = await resyncAfterResetWindow(context, user.email, newPassword);
      check(
        context.world.resetTokenLifetimeMs === 0 || refusals > 0,
        "re-sync healed while Realm's reset link could still be used",
      );
      check(
        (await cognitoVerdict(context, user.email, newPassword)) === "accepted",
        "no sign-in after the re-sync",
      );
      const after = await cognitoAttributes(context, user.email);
      check(after?.username === before?.username, "the sub changed");
      check(after?.attributes[MIGRATION_STATE] === "realm-password", "not marked realm-password again");
      const wait = `${refusals} refused while the reset link lived (${context.world.resetTokenLifetimeMs / 1000} s here, 30 min deployed), resynced after ${(healedAfterMs / 1000).toFixed(1)} s`;
      return `old password refused (${oldPassword}); /resync-password: ${wait}; signed in, same sub`;
    },
  },
];

export interface DemoRow {
  step: number;
  title: string;
  ok: boolean;
  outcome: string;
}

/** Runs the steps in order against the world, carrying on after a failure so the table shows everything. */
export async function runDemoSteps(
  world: SandboxWorld,
  steps: readonly DemoStep[] = demoSteps,
): Promise<DemoRow[]> {
  const users = world.seedSummary.demoUsers;
  const context: DemoContext = {
    world,
    realm: new AuthClient({ appId: world.realm.appId, baseUrl: world.realm.baseUrl }),
    cognito: world.cognito.client(),
    facts: new Map(),
    user(state, nth = 0) {
      const user = users.filter((candidate) => candidate.state === state)[nth];
      if (!user) throw new UnexpectedOutcome(`the seed has no ${state} user #${nth + 1}; seed more users`);
      return user;
    },
  };
  const rows: DemoRow[] = [];
  for (const [index, step] of steps.entries()) {
    let row: DemoRow;
    try {
      row = { step: index + 1, title: step.title, ok: true, outcome: await step.run(context) };
    } catch (error) {
      const reason = error instanceof UnexpectedOutcome ? error.message : `error: ${String(error)}`;
      row = {
        step: index + 1,
        title: step.title,
        ok: false,
        outcome: `${reason} (expected: ${step.expected})`,
      };
    }
    rows.push(row);
  }
  return rows;
}

/** A plain-text table: step, result, what happened. */
export function formatDemoTable(rows: readonly DemoRow[]): string {
  const titleWidth = Math.max(4, ...rows.map((row) => row.title.length));
  const line = (n: string, title: string, result: string, outcome: string) =>
    `${n.padStart(2)}  ${title.padEnd(titleWidth)}  ${result.padEnd(6)}  ${outcome}`;
  return [
    line("#", "Step", "Result", "What happened"),
    line("--", "-".repeat(titleWidth), "------", "-------------"),
    ...rows.map((row) => line(String(row.step), row.title, row.ok ? "ok" : "FAILED", row.outcome)),
  ].join("\n");
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  process.stdout.write("Rehearsing phase 1 (realm-primary) on the sandbox world...\n");
  const world = await startSandboxWorld({ mode: "realm-primary", seedUsers: 50 });
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the sandbox world...\n`);
    world.stop().finally(() => process.exit(1));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const rows = await runDemoSteps(world);
    process.stdout.write(`\n${formatDemoTable(rows)}\n\n`);
    const failed = rows.filter((row) => !row.ok).length;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    process.stdout.write(
      failed === 0
        ? `All ${rows.length} steps behaved as expected (${seconds} s; migration trigger ran ${world.bridge.invocations(USER_MIGRATION_FUNCTION)} times).\n`
        : `${failed} of ${rows.length} steps did not behave as expected.\n`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await world.stop();
  }
}

// Runs only as `npm run demo`; importing this module (to add steps, or from a test) starts nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
