// The AdminCreateUser engine's own ceiling: import synthetic users into a sink that answers at once.
// Prints the sustained rate against the configured one, and peak RSS at 10,000 and 200,000 users.
// Usage: npx tsx bench/import-engine.ts [--quick]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCognitoClient } from "../packages/cli/src/cognito/client.js";
import { createFastCognitoSender } from "../packages/cli/src/cognito/fast-sender.js";
import { importWithAdminCreate } from "../packages/cli/src/engines/admin-create.js";
import { ImportLedger } from "../packages/cli/src/ledger/index.js";
import { TokenBucket } from "../packages/cli/src/rate.js";
import { startCognitoSink } from "./import-sink.js";
import { syntheticPlannedUsers } from "./import-users.js";

const quick = process.argv.includes("--quick");
const dir = mkdtempSync(join(tmpdir(), "r2c-bench-engine-"));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function scenario(
  name: string,
  options: { users: number; rate: number; concurrency: number; rssAt?: number[]; transport: "sdk" | "fast" },
) {
  const sink = await startCognitoSink();
  const ledger = ImportLedger.open(join(dir, `${name.replace(/[^a-z0-9]+/gi, "-")}.db`));
  ledger.recordPlan(syntheticPlannedUsers(options.users));
  const sdk = createCognitoClient({ region: "us-east-1", endpoint: sink.endpoint });
  const client =
    options.transport === "sdk"
      ? sdk
      : createFastCognitoSender({
          sdk,
          region: "us-east-1",
          endpoint: sink.endpoint,
          maxSockets: options.concurrency,
        });
  const cpu = process.cpuUsage();
  const rss: Record<number, number> = {};
  let peak = process.memoryUsage.rss();
  let done = 0;
  const checkpoints = [...(options.rssAt ?? [])];
  const started = performance.now();
  const summary = await importWithAdminCreate({
    client,
    ledger,
    userPoolId: "us-east-1_bench",
    username: "email",
    createBucket: new TokenBucket(options.rate),
    setPasswordBucket: new TokenBucket(options.rate),
    concurrency: options.concurrency,
    maxAttempts: 3,
    onProgress: () => {
      done++;
      if (done % 1000 === 0) peak = Math.max(peak, process.memoryUsage.rss());
      if (checkpoints.length && done >= checkpoints[0]!) rss[checkpoints.shift()!] = peak;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const rate = summary.outcomes.created / seconds;
  const used = process.cpuUsage(cpu);
  const cpuPerUser = (used.user + used.system) / Math.max(1, summary.outcomes.created);
  const counts = await sink.counts();
  console.log(
    `${name}: ${summary.outcomes.created} users in ${seconds.toFixed(1)} s = ${rate.toFixed(1)}/s against ${options.rate}/s configured ` +
      `(${((rate / options.rate) * 100).toFixed(1)} %), failed ${summary.outcomes.failed}, retries ${summary.retries}, ` +
      `sink saw ${counts.AdminCreateUser ?? 0} AdminCreateUser + ${counts.AdminSetUserPassword ?? 0} AdminSetUserPassword; ` +
      `${options.transport} transport, ${cpuPerUser.toFixed(0)} µs of engine CPU a user (the sink runs in its own process)`,
  );
  for (const [at, bytes] of Object.entries(rss)) console.log(`  peak RSS by user ${at}: ${mb(bytes)}`);
  console.log(`  peak RSS at the end: ${mb(peak)}`);
  ledger.close();
  sdk.destroy();
  await sink.stop();
  return { rate, rss, peak, cpuPerUser };
}

try {
  // The big run first, in a fresh process: RSS never shrinks, so earlier runs would inflate its peak.
  const big = await scenario(`${quick ? "20,000" : "200,000"} users at 2,000/s, fast transport`, {
    users: quick ? 20_000 : 200_000,
    rate: 2_000,
    concurrency: 64,
    rssAt: quick ? [10_000, 20_000] : [10_000, 100_000, 200_000],
    transport: "fast",
  });
  const minute = await scenario("one minute at 40/s", {
    users: quick ? 400 : 2_400,
    rate: 40,
    concurrency: 16,
    transport: "sdk",
  });
  const sdkCeiling = await scenario(`${quick ? "2,000" : "10,000"} users at 2,000/s through the SDK`, {
    users: quick ? 2_000 : 10_000,
    rate: 2_000,
    concurrency: 64,
    transport: "sdk",
  });
  const first = big.rss[10_000] ?? 0;
  console.log(
    `ratios: 40/s run holds ${((minute.rate / 40) * 100).toFixed(1)} % of its rate; 2,000/s holds ${((sdkCeiling.rate / 2000) * 100).toFixed(1)} % through the SDK ` +
      `and ${((big.rate / 2000) * 100).toFixed(1)} % with the fast transport (CPU a user ${(sdkCeiling.cpuPerUser / big.cpuPerUser).toFixed(1)}× less); ` +
      `peak RSS grew ${mb(big.peak - first)} from 10,000 users to the end (${(big.peak / Math.max(1, first)).toFixed(2)}×)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
