import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ImportLedger, listPoolUsers, type PoolUser, TokenBucket } from "@realm-to-cognito/cli";
import {
  check,
  cognitoVerdict,
  type DemoContext,
  type DemoStep,
  forgotPasswordMigrationEvent,
  seededEmail,
  seededPassword,
  seededState,
  UnexpectedOutcome,
  USER_MIGRATION_FUNCTION,
} from "@realm-to-cognito/sandbox";
import { createMigratingAuth, type MigratingAuth } from "@realm-to-cognito/web";
import { runCli } from "./run-cli.js";

// Below Cognito's UserList quota (30 a second), as the CLI's plan does.
const LIST_USERS_PER_SECOND = 20;

/** The day the rehearsal switches to cognito-primary, as the front end shows it to refused users. */
export const SWITCH_DATE = "1 December 2026";

/** The front end after the switch: the real web library in cognito-primary against the world's pool. */
function frontEnd(context: DemoContext): MigratingAuth {
  const { world } = context;
  return createMigratingAuth({
    mode: "cognito-primary",
    cognito: { endpoint: world.cognito.endpoint, region: world.cognito.region, clientId: world.clientId },
    switchDate: SWITCH_DATE,
  });
}

/**
 * A user imported without a password signs in with their old Realm password through the web library:
 * the pool hides user existence, so the answer is the stranger's answer, and it offers the reset; then
 * ForgotPassword, the code (from cognito-local's store: it sends no mail), a new password, a sign-in.
 */
async function refusedThenReset(context: DemoContext, email: string, oldPassword: string): Promise<string> {
  const auth = frontEnd(context);
  const refused = await auth.signIn(email, oldPassword);
  const stranger = await auth.signIn(`stranger-${Date.now()}@example.com`, oldPassword);
  check(
    refused.status === "failed" && refused.resetSuggested === true,
    `the sign-in answered ${refused.status}`,
  );
  check(JSON.stringify(refused) === JSON.stringify(stranger), "the answer tells the user from a stranger");
  const sent = await auth.requestPasswordReset(email);
  check(sent.status === "resetSent", `the reset request answered ${sent.status}`);
  const code = await context.world.cognito.latestCode(context.world.userPoolId, email);
  check(code, "cognito-local holds no reset code");
  const newPassword = "Brand-New-Passw0rd!";
  const changed = await auth.confirmPasswordReset({ email, code, newPassword });
  check(changed.status === "passwordChanged", `the new password was refused (${changed.status})`);
  const signedIn = await auth.signIn(email, newPassword);
  check(signedIn.status === "signedIn", `the sign-in with the new password answered ${signedIn.status}`);
  return `"${refused.message}" (same answer as a stranger's); reset by code; signed in`;
}

/** An active Realm user who did not sign in during phase 1, so the import created them without a password. */
function firstImportedActiveUser(context: DemoContext, seed: number): { email: string; password: string } {
  const migrated =
    (context.facts.get("emailsMigratedInPhaseOne") as Set<string> | undefined) ?? new Set<string>();
  for (let index = 1; index <= context.world.seedSummary.count; index++) {
    const email = seededEmail(index);
    if (seededState(seed, index) === "active" && !migrated.has(email))
      return { email, password: seededPassword(seed, index) };
  }
  throw new UnexpectedOutcome("every active user was migrated in phase 1; seed more users");
}

/** Where phase 2 keeps its files: the snapshot, the mongoexport of the user collection, the ledger. */
export interface PhaseTwoFiles {
  snapshot: string;
  userCollection: string;
  ledger: string;
  /** The trigger's forgot-password directory, written by the CLI from the snapshot. */
  userDirectory: string;
}

export function phaseTwoFiles(directory: string): PhaseTwoFiles {
  return {
    snapshot: join(directory, "users.ndjson"),
    userCollection: join(directory, "users.mongoexport.json"),
    ledger: join(directory, "migration.ledger.db"),
    userDirectory: join(directory, "users.directory"),
  };
}

/** A seeded user in `state`, by email. */
function firstSeededUser(context: DemoContext, seed: number, state: string): string {
  for (let index = 1; index <= context.world.seedSummary.count; index++)
    if (seededState(seed, index) === state) return seededEmail(index);
  throw new UnexpectedOutcome(`no ${state} user was seeded; seed more users`);
}

/** What Cognito sends the trigger for a forgot-password of a user it does not know. */
async function forgotPasswordAnswer(
  context: DemoContext,
  email: string,
): Promise<{ finalUserStatus?: string; userAttributes?: Record<string, string> } | "refused"> {
  try {
    const answer = (await context.world.bridge.invoke(
      USER_MIGRATION_FUNCTION,
      forgotPasswordMigrationEvent({
        userPoolId: context.world.userPoolId,
        clientId: context.world.clientId,
        email,
      }),
    )) as { response: { finalUserStatus?: string; userAttributes?: Record<string, string> } };
    return answer.response;
  } catch {
    return "refused";
  }
}

/** Everyone in the pool, through the CLI's own paginated, throttled listing. */
async function poolUsers(context: DemoContext): Promise<PoolUser[]> {
  const users: PoolUser[] = [];
  const pages = listPoolUsers(
    context.cognito,
    context.world.userPoolId,
    new TokenBucket(LIST_USERS_PER_SECOND),
  );
  for await (const page of pages) users.push(...page);
  return users;
}

/** Everyone phase 1 put into Cognito, remembered before the import adds the rest. */
async function rememberPhaseOneEmails(context: DemoContext): Promise<PoolUser[]> {
  const inPool = await poolUsers(context);
  context.facts.set(
    "emailsMigratedInPhaseOne",
    new Set(inPool.map((user) => (user.email ?? "").toLowerCase())),
  );
  return inPool;
}

function ledgerCounts(files: PhaseTwoFiles): Record<string, number> {
  const ledger = ImportLedger.open(files.ledger);
  try {
    return ledger.counts();
  } finally {
    ledger.close();
  }
}

async function cli(context: DemoContext, args: string[]): Promise<string> {
  const { code, stdout } = await runCli(context.world, args);
  check(
    code === 0,
    `realm-to-cognito ${args[0]} exited ${code}: ${stdout.trim().split("\n").slice(-3).join(" / ")}`,
  );
  return stdout;
}

/** Phase 2 through the real `realm-to-cognito` command: export, plan, import (twice), verify, then an imported user resets. */
export function phaseTwoSteps(files: PhaseTwoFiles, seed: number): DemoStep[] {
  const importArgs = ["import", "-s", files.snapshot, "--ledger", files.ledger, "--engine", "admin-create"];
  return [
    {
      title: "Export everyone left (Admin API + the app's user collection)",
      expected: "a snapshot with confirmed and pending users, mongo ids joined from the collection",
      async run(context) {
        await context.world.realm.exportUserCollection(files.userCollection);
        await cli(context, [
          "export",
          "-o",
          files.snapshot,
          "--admin-api",
          "--mongoexport",
          files.userCollection,
        ]);
        const manifest = JSON.parse(
          await readFile(files.snapshot.replace(/\.ndjson$/, ".manifest.json"), "utf8"),
        ) as {
          users: number;
          byState: { confirmed: number; pending: number; disabled: number };
        };
        check(manifest.users > 0, "the snapshot is empty");
        check(manifest.byState.pending > 0, "no pending registration was extracted");
        return `${manifest.users} users: ${manifest.byState.confirmed} confirmed, ${manifest.byState.pending} pending (unverified), ${manifest.byState.disabled} disabled`;
      },
    },
    {
      title: "Switch the trigger to cognito-primary with the CLI's directory file",
      expected: "a confirmed user not yet in Cognito can start a reset; a pending one cannot",
      async run(context) {
        await cli(context, ["directory", "-s", files.snapshot, "-o", files.userDirectory]);
        await context.world.redeploy({
          mode: "cognito-primary",
          userDirectory: "snapshot",
          snapshotFile: files.userDirectory,
        });
        await rememberPhaseOneEmails(context);
        const lapsed = firstImportedActiveUser(context, seed); // not in Cognito before the import
        const answer = await forgotPasswordAnswer(context, lapsed.email.toUpperCase());
        check(answer !== "refused", `the trigger refused ${lapsed.email}'s reset`);
        check(
          answer.finalUserStatus === "RESET_REQUIRED" && answer.userAttributes?.email === lapsed.email,
          `the trigger answered ${JSON.stringify(answer.finalUserStatus)} for ${lapsed.email}`,
        );
        check(
          /^[0-9a-f]{24}$/.test(answer.userAttributes?.["custom:realm_user_id"] ?? ""),
          "no custom:realm_user_id in the trigger's answer",
        );
        const pending = firstSeededUser(context, seed, "pending");
        check(
          (await forgotPasswordAnswer(context, pending)) === "refused",
          `${pending} (pending) got a reset`,
        );
        return `${lapsed.email}: RESET_REQUIRED from the directory file; ${pending} (pending): refused`;
      },
    },
    {
      title: "Plan the import against the pool",
      expected:
        "users migrated in phase 1 are already present; disabled and pending are rejected with a reason",
      async run(context) {
        await cli(context, ["plan", "-s", files.snapshot, "--ledger", files.ledger]);
        const counts = ledgerCounts(files);
        const inPool = await rememberPhaseOneEmails(context);
        const migrated = inPool.filter((user) => user.realmUserId !== undefined).length;
        check(
          counts["already-present"] === migrated,
          `${counts["already-present"]} already present, ${migrated} in the pool`,
        );
        check(
          (counts.rejected ?? 0) > 0,
          "nothing was rejected, yet the seed has disabled and pending users",
        );
        return `${counts.planned} to create, ${counts["already-present"]} already present, ${counts.rejected} rejected, ${counts.conflict} conflicts`;
      },
    },
    {
      title: "Import without passwords (admin-create engine)",
      expected: "every planned user created, nobody failed",
      async run(context) {
        await cli(context, importArgs);
        const counts = ledgerCounts(files);
        check(
          counts.failed === 0 && counts.planned === 0,
          `${counts.failed} failed, ${counts.planned} still planned`,
        );
        context.facts.set("createdByImport", counts.created);
        return `${counts.created} created in Cognito, ${counts.failed} failed`;
      },
    },
    {
      title: "Import again (as after a crash)",
      expected: "nothing created twice",
      async run(context) {
        const before = (await poolUsers(context)).length;
        await cli(context, importArgs);
        const after = await poolUsers(context);
        const emails = new Set(after.map((user) => (user.email ?? "").toLowerCase()));
        check(after.length === before, `the pool went from ${before} to ${after.length} users`);
        check(emails.size === after.length, "an email appears twice in the pool");
        return `pool still holds ${after.length} users, each email once`;
      },
    },
    {
      title: "Verify snapshot, ledger and pool",
      expected: "every importable user present exactly once",
      async run(context) {
        await cli(context, ["verify", "-s", files.snapshot, "--ledger", files.ledger]);
        return "no difference";
      },
    },
    {
      title: "An imported user signs in with the old Realm password (pool hides user existence)",
      expected: "refused exactly as a stranger, offered the reset; ForgotPassword + code; signed in",
      async run(context) {
        check(context.world.userExistenceErrors === "hidden", "the sandbox pool reveals user existence");
        const imported = firstImportedActiveUser(context, seed);
        const before = await cognitoVerdict(context, imported.email, imported.password);
        check(before === "NotAuthorizedException", `Cognito answered ${before}`);
        return `${imported.email} (admin-create engine): ${await refusedThenReset(context, imported.email, imported.password)}`;
      },
    },
    {
      title: "A user the CSV import job left RESET_REQUIRED does the same",
      expected: "refused exactly as a stranger (not PasswordResetRequiredException), reset, signed in",
      async run(context) {
        const email = "csv-imported@example.com";
        // cognito-local has no import jobs: the sandbox creates the user as a job leaves them.
        await context.world.importAsCsvJob([
          { email, attributes: { "custom:realm_user_id": "6561f0c2a1b2c3d4e5f6ffff" } },
        ]);
        const verdict = await cognitoVerdict(context, email, "Old-Realm-Password-1");
        check(verdict === "NotAuthorizedException", `Cognito answered ${verdict}`);
        return `${email}: ${await refusedThenReset(context, email, "Old-Realm-Password-1")}`;
      },
    },
  ];
}
