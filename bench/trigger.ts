// The User Migration trigger's budgets (DESIGN.md §5, issue 3): bundle bytes; cold init, the median of 20
// fresh `node` processes each timing its own import of the bundle; and the handler's overhead on top of
// a raw Realm login round trip to the sandbox emulator, both measured 2,000 times, interleaved, in one run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import { startAppServicesEmulator } from "../packages/sandbox/src/appservices/index.js";
import { buildBundles } from "../packages/trigger/src/build.js";

const TARGETS = { bundleBytes: 50 * 1024, initMs: 15, overheadP50Ms: 0.5, overheadP99Ms: 2 };
const COLD_STARTS = 20;
const INVOCATIONS = 2000;
const WARMUP = 100;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
const ms = (value: number) => `${value.toFixed(3)} ms`;
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

const outDir = await mkdtemp(join(tmpdir(), "bench-trigger-"));
const realm = await startAppServicesEmulator();
try {
  const bundles = await buildBundles({ outDir });
  console.log("bundles (minified, ESM, node22):");
  for (const [name, file] of Object.entries(bundles)) {
    const bytes = (await stat(file)).size;
    const gzipped = gzipSync(readFileSync(file)).byteLength;
    console.log(
      `  ${name.padEnd(24)} ${String(bytes).padStart(8)} B   gzipped ${String(gzipped).padStart(7)} B`,
    );
  }
  const triggerBytes = (await stat(bundles.userMigration)).size;

  const env = { PATH: process.env.PATH ?? "", MIGRATION_MODE: "realm-primary", REALM_APP_ID: realm.appId };
  const importTimer = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundles.userMigration).href)}); console.log(performance.now() - t);`;
  // The same timing of an empty module says how much of the figure is this machine rather than the bundle.
  const emptyModule = join(outDir, "empty.mjs");
  await writeFile(emptyModule, "export const handler = async () => ({});\n");
  const emptyTimer = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(emptyModule).href)}); console.log(performance.now() - t);`;
  const timeImport = (script: string) =>
    Number(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" }).trim(),
    );
  const inits: number[] = [];
  const emptyInits: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    inits.push(timeImport(importTimer));
    emptyInits.push(timeImport(emptyTimer));
  }
  const initMedian = quantile(inits, 0.5);

  const email = "bench@example.com";
  const password = "Bench-pass-1!";
  await new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    publicKey: realm.apiKey.publicKey,
    privateKey: realm.apiKey.privateKey,
  }).createUser(email, password);
  Object.assign(process.env, {
    MIGRATION_MODE: "realm-primary",
    REALM_APP_ID: realm.appId,
    REALM_BASE_URL: realm.baseUrl,
    LOG_LEVEL: "info",
  });
  const { handler } = (await import(pathToFileURL(bundles.userMigration).href)) as {
    handler: (event: unknown) => Promise<unknown>;
  };
  const raw = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
  const event = () => ({
    version: "1",
    triggerSource: "UserMigration_Authentication",
    region: "eu-west-1",
    userPoolId: "eu-west-1_bench",
    userName: email,
    callerContext: { awsSdkVersion: "bench", clientId: "bench" },
    request: { password, validationData: null, clientMetadata: {} },
    response: {},
  });
  // The handler logs one JSON line per migration, as in Lambda; its bytes go to a sink, not the terminal.
  const write = process.stdout.write.bind(process.stdout);
  let logged = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logged += chunk.length;
    return true;
  }) as typeof process.stdout.write;
  const handlerTimes: number[] = [];
  const rawTimes: number[] = [];
  try {
    for (let i = 0; i < WARMUP + INVOCATIONS; i++) {
      let started = performance.now();
      await raw.login(email, password);
      const rawMs = performance.now() - started;
      started = performance.now();
      await handler(event());
      const handlerMs = performance.now() - started;
      if (i >= WARMUP) {
        rawTimes.push(rawMs);
        handlerTimes.push(handlerMs);
      }
    }
  } finally {
    process.stdout.write = write;
  }
  const p50 = { raw: quantile(rawTimes, 0.5), handler: quantile(handlerTimes, 0.5) };
  const p99 = { raw: quantile(rawTimes, 0.99), handler: quantile(handlerTimes, 0.99) };
  const overhead = { p50: p50.handler - p50.raw, p99: p99.handler - p99.raw };

  console.log(
    `cold init (median of ${COLD_STARTS} fresh node processes, import timed inside): ${ms(initMedian)}`,
  );
  console.log(`  min ${ms(Math.min(...inits))}, max ${ms(Math.max(...inits))}`);
  console.log(`  an empty module, same processes' conditions: median ${ms(quantile(emptyInits, 0.5))}`);
  console.log(
    `  load average now: ${loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")} on ${cpus().length} CPUs`,
  );
  console.log(
    `invocations: ${INVOCATIONS} each, interleaved, after ${WARMUP} warm-up rounds (${logged} log bytes)`,
  );
  console.log(`  raw Realm login   p50 ${ms(p50.raw)}   p99 ${ms(p99.raw)}`);
  console.log(`  trigger handler   p50 ${ms(p50.handler)}   p99 ${ms(p99.handler)}`);
  console.log(`  overhead          p50 ${ms(overhead.p50)}   p99 ${ms(overhead.p99)}`);
  console.log(
    `  ratio handler/raw p50 ${(p50.handler / p50.raw).toFixed(2)}x   p99 ${(p99.handler / p99.raw).toFixed(2)}x`,
  );
  console.log("targets:");
  console.log(
    `  trigger bundle < ${TARGETS.bundleBytes} B: ${triggerBytes} B ${verdict(triggerBytes < TARGETS.bundleBytes)}`,
  );
  console.log(`  init < ${TARGETS.initMs} ms: ${verdict(initMedian < TARGETS.initMs)}`);
  console.log(
    `  overhead p50 < ${TARGETS.overheadP50Ms} ms: ${verdict(overhead.p50 < TARGETS.overheadP50Ms)}`,
  );
  console.log(
    `  overhead p99 < ${TARGETS.overheadP99Ms} ms: ${verdict(overhead.p99 < TARGETS.overheadP99Ms)}`,
  );
} finally {
  await realm.stop();
  await rm(outDir, { recursive: true, force: true });
}
