/**
 * The trigger's forgot-password lookup in a snapshot of N users (default 1,000,000): the sorted
 * directory file (`realm-to-cognito directory`, binary search with positioned reads) against loading
 * the snapshot NDJSON into memory (the trigger's other snapshot mode), each in a fresh process like a
 * cold Lambda. Run: `npx tsx bench/directory.ts [users]`.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSnapshotLine } from "@realm-to-cognito/core";
import { writeDirectoryFile } from "../packages/cli/src/directory-file.js";

const count = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(join(tmpdir(), "directory-bench-"));
const hex24 = (n: number) => n.toString(16).padStart(24, "0");

async function writeSnapshot(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = formatSnapshotLine({
      realmUserId: hex24(i + 1),
      email: `user${i}@example.com`,
      mongoId: hex24(10_000_000 + i),
      confirmed: i % 10 !== 0,
      disabled: i % 50 === 0,
      createdAt: "2025-01-02T03:04:05.000Z",
      lastAuthenticatedAt: "2025-06-02T03:04:05.000Z",
      source: "admin-api",
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", resolve));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

// Runs in a fresh node: the first lookup (cold: open or load), then `lookups` more, timed one by one.
const PROBE = `
const [kind, file, count, lookups] = process.argv.slice(1);
const trigger = await import(${JSON.stringify(join(import.meta.dirname, "../packages/trigger/src/index.ts"))});
const directory = kind === "sorted" ? new trigger.SortedDirectoryFile(file) : new trigger.SnapshotDirectory(file);
const rssBefore = process.memoryUsage().rss;
let started = performance.now();
await directory.findByEmail("user1@example.com");
const firstMs = performance.now() - started;
const times = [];
for (let i = 0; i < Number(lookups); i++) {
  const email = "user" + Math.floor(Math.random() * Number(count) * 1.1) + "@example.com";
  started = performance.now();
  await directory.findByEmail(email);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(JSON.stringify({ firstMs, p50: q(0.5), p99: q(0.99), rssMb: (process.memoryUsage().rss - rssBefore) / 1e6 }));
`;

function probe(kind: "sorted" | "loaded", file: string, lookups: number) {
  const output = execFileSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", PROBE, kind, file, String(count), String(lookups)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  return JSON.parse(output.trim().split("\n").at(-1)!) as {
    firstMs: number;
    p50: number;
    p99: number;
    rssMb: number;
  };
}

try {
  const snapshot = join(dir, "users.ndjson");
  await writeSnapshot(snapshot);
  const directoryFile = join(dir, "users.directory");
  let started = performance.now();
  const summary = await writeDirectoryFile(snapshot, directoryFile);
  const writeSeconds = (performance.now() - started) / 1000;
  const sizes = {
    snapshot: (await stat(snapshot)).size / 1e6,
    directory: (await stat(directoryFile)).size / 1e6,
  };
  console.log(
    `${count} users: snapshot ${sizes.snapshot.toFixed(0)} MB; directory file ${sizes.directory.toFixed(0)} MB with ${summary.users} users (${summary.notEligible} not eligible) written in ${writeSeconds.toFixed(1)} s`,
  );
  const sorted = probe("sorted", directoryFile, 10_000);
  console.log(
    `sorted directory, fresh process: first lookup ${sorted.firstMs.toFixed(2)} ms, then p50 ${(sorted.p50 * 1000).toFixed(0)} µs, p99 ${(sorted.p99 * 1000).toFixed(0)} µs over 10,000 lookups, RSS +${sorted.rssMb.toFixed(0)} MB`,
  );
  started = performance.now();
  const loaded = probe("loaded", snapshot, 1_000);
  console.log(
    `snapshot NDJSON loaded, fresh process: first lookup ${loaded.firstMs.toFixed(0)} ms, then p50 ${(loaded.p50 * 1000).toFixed(0)} µs, p99 ${(loaded.p99 * 1000).toFixed(0)} µs, RSS +${loaded.rssMb.toFixed(0)} MB`,
  );
  console.log(
    `ratio first lookup loaded/sorted: ${(loaded.firstMs / sorted.firstMs).toFixed(0)}×; Cognito gives the trigger 5 s: sorted ${sorted.firstMs < 5000 ? "fits" : "does NOT fit"}, loaded ${loaded.firstMs < 5000 ? "fits" : "does NOT fit"}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
