// The CSV engine on 1,000,000 synthetic users: ledger → Cognito import CSV files (500,000 a file) with
// their line-to-user maps. Prints the time, the rate and peak RSS along the way.
// Usage: npx tsx bench/import-csv.ts [--users N]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCsvFiles } from "../packages/cli/src/engines/csv-file.js";
import { ImportLedger } from "../packages/cli/src/ledger/index.js";
import { POOL_CSV_HEADER as HEADER } from "../packages/cli/test/csv-header.js";
import { syntheticPlannedUsers } from "./import-users.js";

const usersArg = process.argv.indexOf("--users");
const count = usersArg > 0 ? Number(process.argv[usersArg + 1]) : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), "r2c-bench-csv-"));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

try {
  const ledger = ImportLedger.open(join(dir, "ledger.db"));
  let started = performance.now();
  ledger.recordPlan(
    syntheticPlannedUsers(count, (i) => ({ name: i % 10 === 0 ? `Doe, Jane ${i}` : `User ${i}` })),
  );
  console.log(
    `ledger filled with ${count} planned users in ${((performance.now() - started) / 1000).toFixed(1)} s (not part of the engine)`,
  );
  const rssAtStart = process.memoryUsage.rss();
  let peak = rssAtStart;
  const rssAt: string[] = [];
  started = performance.now();
  const cpu = process.cpuUsage();
  const summary = await writeCsvFiles({
    ledger,
    header: HEADER,
    outDir: dir,
    username: "email",
    mapping: { name: "name" },
    onProgress: (written) => {
      peak = Math.max(peak, process.memoryUsage.rss());
      if (written % 250_000 === 0) rssAt.push(`${written}: ${mb(peak)}`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `CSV engine: ${summary.users} users into ${summary.files.length} files in ${seconds.toFixed(1)} s = ${Math.round(summary.users / seconds)} users/s (budget 15 s: ${(15 / seconds).toFixed(2)}× headroom)`,
  );
  console.log(
    `  CPU time ${cpuSeconds.toFixed(1)} s (wall/CPU ${(seconds / cpuSeconds).toFixed(2)}: above 1 means waiting for a busy machine or the disk)`,
  );
  for (const file of summary.files)
    console.log(
      `  ${file.file.split("/").pop()}: ${file.users} users, ${mb(file.bytes)} (map ${mb(statSync(file.map).size)})`,
    );
  console.log(
    `  RSS when the engine started ${mb(rssAtStart)}; peak RSS by users written: ${rssAt.join(", ")}`,
  );
  ledger.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
