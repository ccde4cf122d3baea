// Against cognito-local: (1) how AdminCreateUser speed changes with the pool's size (it keeps each pool
// in one JSON file), then (2) about a minute of `import` through the sandbox: emulator seeded, export
// from the Admin API, plan, import with the AdminCreateUser engine; users a second.
// Usage: npx tsx bench/import-cognito-local.ts [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminCreateUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { exportCommand } from "../packages/cli/src/commands/export.js";
import { importCommand } from "../packages/cli/src/commands/import.js";
import { verifyCommand } from "../packages/cli/src/commands/verify.js";
import { loadConfig } from "../packages/cli/src/config.js";
import { forEachBounded } from "../packages/cli/src/rate.js";
import { createServices } from "../packages/cli/src/services.js";
import { adminCreateImport, cliEnv } from "../packages/cli/test/sandbox.js";
import { startAppServicesEmulator } from "../packages/sandbox/src/appservices/index.js";
import { createProductionShapedPool, startCognitoLocal } from "../packages/sandbox/src/cognito/index.js";

const services = createServices();

const quick = process.argv.includes("--quick");
const dir = mkdtempSync(join(tmpdir(), "r2c-bench-cl-"));
const cognito = await startCognitoLocal({ dataDir: join(dir, "cognito") });
const realm = await startAppServicesEmulator();
try {
  // (1) Write speed against pool size, raw AdminCreateUser calls, 8 in flight.
  const client = cognito.client();
  const scaling = await createProductionShapedPool(client, { name: "scaling" });
  const levels = quick ? [0, 500, 1000] : [0, 1000, 2000, 4000, 8000];
  const sample = 200;
  let size = 0;
  const rates: Array<[number, number]> = [];
  for (const level of levels) {
    const fill = Array.from({ length: Math.max(0, level - size) }, (_, i) => size + i);
    await forEachBounded(fill, 8, async (i) => {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: scaling.userPoolId,
          Username: `fill${i}@example.com`,
          MessageAction: "SUPPRESS",
        }),
      );
    });
    size = level;
    const started = performance.now();
    await forEachBounded(
      Array.from({ length: sample }, (_, i) => i),
      8,
      async (i) => {
        await client.send(
          new AdminCreateUserCommand({
            UserPoolId: scaling.userPoolId,
            Username: `s${level}-${i}@example.com`,
            MessageAction: "SUPPRESS",
          }),
        );
      },
    );
    const rate = sample / ((performance.now() - started) / 1000);
    rates.push([level, rate]);
    size += sample;
    console.log(
      `cognito-local AdminCreateUser with ${String(level).padStart(5)} users in the pool: ${rate.toFixed(0)}/s`,
    );
  }
  const first = rates[0]![1];
  const last = rates[rates.length - 1]!;
  console.log(`  ratio: ${(last[1] / first).toFixed(2)}× the empty pool's speed at ${last[0]} users`);

  // (2) About a minute of import through the sandbox, at the default 40/s and 20/s set-password rate.
  const users = quick ? 300 : 1_300;
  const seeded = await realm.seed({ count: users, seed: 3 });
  const pool = await createProductionShapedPool(client, { name: "import" });
  const env = { ...cliEnv(realm, cognito), COGNITO_USER_POOL_ID: pool.userPoolId };
  const config = loadConfig({
    env,
    flags: {
      ledger: join(dir, "ledger.db"),
      "policy.includePending": true,
      "policy.trustPendingEmails": true,
    },
  });
  const snapshot = join(dir, "snapshot.ndjson");
  let started = performance.now();
  const exported = await exportCommand(
    services,
    { config, quiet: true },
    { out: snapshot, adminApi: true, collection: false, pending: true, resume: false },
  );
  console.log(
    `export of ${exported.manifest.users} users (seeded ${seeded.count}) from the Admin API: ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  started = performance.now();
  const result = await importCommand(services, { config, quiet: true }, adminCreateImport(snapshot, dir));
  const seconds = (performance.now() - started) / 1000;
  if (result.engine !== "admin-create") throw new Error("unexpected engine");
  console.log(
    `import through the sandbox: ${result.outcomes.created} created, ${result.outcomes.failed} failed in ${seconds.toFixed(1)} s (plan included) = ${(result.outcomes.created / seconds).toFixed(1)} users/s at rate 40/s, set-password 20/s`,
  );
  const report = await verifyCommand(services, { config }, { snapshot, listPool: true });
  console.log(
    `verify: ${report.present}/${report.checked} present exactly once, ${report.differences.length} differences`,
  );
} finally {
  await Promise.allSettled([cognito.stop(), realm.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
