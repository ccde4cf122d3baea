// Ours against the peer `cognito-backup-restore` (restoreUsers: AdminCreateUser per user, Bottleneck
// minTime 2 s) restoring the same 60 users into the same cognito-local, one after the other in one run.
// The peer is installed apart from the workspace: (cd bench/.peer && npm install).
// Usage: npx tsx bench/import-peer.ts
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import {
  formatSnapshotLine,
  type SnapshotLine,
  toAttributeList,
  toCognitoAttributes,
} from "@realm-to-cognito/core";
import { exportCommand } from "../packages/cli/src/commands/export.js";
import { importCommand } from "../packages/cli/src/commands/import.js";
import { loadConfig } from "../packages/cli/src/config.js";
import { createServices } from "../packages/cli/src/services.js";
import { readSnapshot } from "../packages/cli/src/snapshot-file.js";
import { adminCreateImport, cliEnv } from "../packages/cli/test/sandbox.js";
import { startAppServicesEmulator } from "../packages/sandbox/src/appservices/index.js";
import { createProductionShapedPool, startCognitoLocal } from "../packages/sandbox/src/cognito/index.js";

const services = createServices();

const peerDir = join(import.meta.dirname, ".peer");
if (!existsSync(join(peerDir, "node_modules", "cognito-backup-restore"))) {
  console.log("skipped: the peer is not installed (cd bench/.peer && npm install)");
  process.exit(0);
}
const peerRequire = createRequire(join(peerDir, "package.json"));
const AWS = peerRequire("aws-sdk") as { CognitoIdentityServiceProvider: new (options: object) => unknown };
const { restoreUsers } = peerRequire("cognito-backup-restore") as {
  restoreUsers: (cognito: unknown, poolId: string, file: string, password?: string) => Promise<void>;
};

const COUNT = 60;
const dir = mkdtempSync(join(tmpdir(), "r2c-bench-peer-"));
const cognito = await startCognitoLocal({ dataDir: join(dir, "cognito") });
const realm = await startAppServicesEmulator();
const peerErrors: unknown[] = [];
process.on("unhandledRejection", (error) => peerErrors.push(error));
try {
  await realm.seed({ count: 100, seed: 5 });
  const client = cognito.client();
  const env = cliEnv(realm, cognito);
  const all = join(dir, "all.ndjson");
  await exportCommand(
    services,
    { config: loadConfig({ env }), quiet: true },
    { out: all, adminApi: true, collection: false, pending: false, resume: false },
  );
  const users: SnapshotLine[] = [];
  for await (const entry of readSnapshot(all))
    if ("user" in entry && !entry.user.disabled && users.length < COUNT) users.push(entry.user);
  const snapshot = join(dir, "sixty.ndjson");
  writeFileSync(snapshot, `${users.map(formatSnapshotLine).join("\n")}\n`);

  // Ours, at the defaults (40/s AdminCreateUser, 20/s AdminSetUserPassword), then at 40/40.
  const ours: Record<string, number> = {};
  for (const [label, setPasswordRate] of [
    ["defaults 40/20", 20],
    ["40/40", 40],
  ] as const) {
    const pool = await createProductionShapedPool(client, { name: `ours-${setPasswordRate}` });
    const config = loadConfig({
      env: { ...env, COGNITO_USER_POOL_ID: pool.userPoolId },
      flags: { ledger: join(dir, `ours-${setPasswordRate}.db`), "import.setPasswordRate": setPasswordRate },
    });
    const started = performance.now();
    const result = await importCommand(
      services,
      { config, quiet: true },
      adminCreateImport(snapshot, dir, { listPool: false }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.engine !== "admin-create") throw new Error("unexpected engine");
    ours[label] = seconds;
    console.log(
      `ours (${label}): ${result.outcomes.created} created, ${result.outcomes.failed} failed in ${seconds.toFixed(2)} s (${(result.outcomes.created / seconds).toFixed(1)} users/s)`,
    );
  }

  // The peer: its restoreUsers over the same users in ListUsers' shape, with a temporary password (SUPPRESS).
  const peerPool = await createProductionShapedPool(client, { name: "peer" });
  const backup = join(dir, "backup.json");
  writeFileSync(
    backup,
    JSON.stringify(
      users.map((user) => ({ Username: user.email, Attributes: toAttributeList(toCognitoAttributes(user)) })),
    ),
  );
  const peerClient = new AWS.CognitoIdentityServiceProvider({
    endpoint: cognito.endpoint,
    region: "us-east-1",
    accessKeyId: "local",
    secretAccessKey: "local",
    maxRetries: 0,
  });
  const started = performance.now();
  await restoreUsers(peerClient, peerPool.userPoolId, backup, "Temporary-Pass-123!");
  let present = 0;
  while (performance.now() - started < 240_000) {
    present =
      (await client.send(new ListUsersCommand({ UserPoolId: peerPool.userPoolId }))).Users?.length ?? 0;
    if (present >= COUNT || peerErrors.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const peerSeconds = (performance.now() - started) / 1000;
  console.log(
    `peer cognito-backup-restore 1.3.2: ${present} created, ${peerErrors.length} failed in ${peerSeconds.toFixed(1)} s (${(present / peerSeconds).toFixed(2)} users/s)`,
  );
  for (const [label, seconds] of Object.entries(ours))
    console.log(
      `ratio: ours (${label}) is ${(peerSeconds / seconds).toFixed(0)}× faster than the peer on the same ${COUNT} users`,
    );
} finally {
  await Promise.allSettled([cognito.stop(), realm.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
