/**
 * Seeds 100,000 users into an SQLite file through the App Services emulator and prints the time.
 * Budget: under 60 s. Run: `npx tsx bench/seed.ts [count]`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAppServicesEmulator } from "../packages/sandbox/src/appservices/index.js";

const count = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), "seed-bench-"));
try {
  const realm = await startAppServicesEmulator({ storage: { kind: "sqlite", file: join(dir, "realm.db") } });
  const started = performance.now();
  const summary = await realm.seed({ count, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  await realm.stop();
  const verdict = seconds < 60 ? "within" : "OVER";
  console.log(
    `seed: ${summary.count} users in ${seconds.toFixed(2)} s (${Math.round(summary.count / seconds)} users/s), ` +
      `${verdict} the 60 s budget; states ${JSON.stringify(summary.byState)}`,
  );
  if (seconds >= 60) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
