// The handlers' budgets (DESIGN.md §5, issues 3 and 12): the four bundles' bytes; each one's cold init,
// the median of 20 fresh `node` processes each timing its own import, and its ratio to an empty module
// timed alike (target <= 1.5x); and the trigger's overhead on top of a raw Realm login round trip to the
// sandbox emulator, both measured 2,000 times, interleaved, in one run.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import { startAppServicesEmulator } from "../packages/sandbox/src/appservices/index.js";
import { buildBundles } from "../packages/trigger/src/build.js";

const TARGETS = {
  bundleBytes: 50 * 1024,
  endpointBundleBytes: 80 * 1024,
  initMs: 15,
  initRatio: 1.5,
  overheadP50Ms: 0.5,
  overheadP99Ms: 2,
};
const COLD_STARTS = 20;
const INVOCATIONS = 2000;
// V8 keeps optimising the handler for several hundred calls; the first ones are reported on their own.
const WARMUP = 1000;

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

  const email = "bench@example.com";
  const password = "Bench-pass-1!";
  const realmUser = await new AdminClient({
    baseUrl: realm.adminBaseUrl,
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    publicKey: realm.apiKey.publicKey,
    privateKey: realm.apiKey.privateKey,
  }).createUser(email, password);
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

  const emptyModule = join(outDir, "empty.mjs");
  await writeFile(emptyModule, "export const handler = async () => ({});\n");
  const env = {
    PATH: process.env.PATH ?? "",
    MIGRATION_MODE: "realm-primary",
    REALM_APP_ID: realm.appId,
    REALM_BASE_URL: realm.baseUrl,
    // The endpoints' settings, as Lambda would give them (the pool is never called at import).
    COGNITO_USER_POOL_ID: "us-east-1_bench",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_SESSION_TOKEN: "bench",
  };
  // Each fresh process times its own import: wall clock, and CPU time (what the import would take on an
  // idle machine; this one is shared). An empty module timed the same way shows the machine's share.
  // Then it runs its first invocation, as a cold Lambda does, and reports that invocation's own CPU: its
  // fetches are timed and subtracted (Realm's answer comes from this process's emulator; Cognito's are
  // canned answers given in the child, no network), so what is left is the handler's code, including
  // what it loads or builds on first use (zod schemas, node:crypto's CSPRNG for a scrambled password).
  // Node's fetch (undici, and its llhttp WebAssembly, which V8 keeps compiling on background threads
  // that process.cpuUsage counts) is warmed by one fetch, and the background work let finish (25 ms with
  // under 0.5 ms of CPU), before the first invocation, in every child alike.
  // The empty module's handler is invoked alike, so "import + first invocation" compares like with like.
  const firstEvent = (file: string, realmState: "realm-password" | "stale") =>
    file === bundles.userMigration
      ? event()
      : file === bundles.postConfirmation
        ? {
            version: "1",
            triggerSource: "PostConfirmation_ConfirmForgotPassword",
            region: "us-east-1",
            userPoolId: "us-east-1_bench",
            userName: "bench-user",
            request: {
              userAttributes: {
                email,
                email_verified: "true",
                "custom:realm_user_id": realmUser.id,
                "custom:migration_state": "realm-password",
              },
            },
            response: {},
          }
        : file === emptyModule
          ? {}
          : {
              version: "2.0",
              headers: { "content-type": "application/json" },
              requestContext: { http: { method: "POST", sourceIp: "203.0.113.7" } },
              body: JSON.stringify(realmState === "stale" ? { email, password } : { email }),
              isBase64Encoded: false,
              cognitoUser: {
                Username: "bench-user",
                UserStatus: "CONFIRMED",
                UserAttributes: [
                  { Name: "email", Value: email },
                  { Name: "email_verified", Value: "true" },
                  { Name: "custom:realm_user_id", Value: realmUser.id },
                  { Name: "custom:migration_state", Value: realmState },
                ],
              },
            };
  const timerFor = (file: string) => {
    const first = firstEvent(file, file === bundles.resyncPassword ? "stale" : "realm-password");
    return `const cpuMs = (u) => (u.user + u.system) / 1000;
    const t = performance.now(), c = process.cpuUsage(); const m = await import(${JSON.stringify(pathToFileURL(file).href)}); const u = process.cpuUsage(c); const importWall = performance.now() - t;
    const event = ${JSON.stringify(first)}; const cognitoUser = event.cognitoUser; delete event.cognitoUser;
    const realFetch = globalThis.fetch; let inFetch = 0;
    await realFetch(process.env.REALM_BASE_URL + "/api/client/v2.0/app/" + process.env.REALM_APP_ID + "/location").then((r) => r.arrayBuffer());
    for (let i = 0; i < 80; i++) { const idle = process.cpuUsage(); await new Promise((resolve) => setTimeout(resolve, 25)); if (cpuMs(process.cpuUsage(idle)) < 0.5) break; }
    globalThis.fetch = async (input, init) => {
      const f = process.cpuUsage();
      const target = new Headers(init?.headers).get("x-amz-target");
      const r = target === null ? await realFetch(input, init) : new Response(JSON.stringify(target.endsWith(".AdminGetUser") ? cognitoUser : {}), { status: 200 });
      const body = await r.arrayBuffer();
      const copy = new Response(r.status === 204 ? null : body, { status: r.status, headers: r.headers });
      inFetch += cpuMs(process.cpuUsage(f)); return copy;
    };
    const outcomes = []; process.stdout.write = (line) => { for (const l of String(line).split("\\n")) { try { const o = JSON.parse(l).outcome; if (o) outcomes.push(o); } catch {} } return true; };
    const f = process.cpuUsage(); await m.handler(event, { getRemainingTimeInMillis: () => 700 }); const firstOwnCpu = cpuMs(process.cpuUsage(f)) - inFetch;
    process.stderr.write([importWall, cpuMs(u), firstOwnCpu, outcomes.join(",") || "-"].join(" "));`;
  };
  // Asynchronous, so this process's emulator answers the child's first invocation.
  const timeImport = async (file: string) => {
    const run = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", timerFor(file)], {
      env,
      encoding: "utf8",
    });
    const [wall, cpu, firstCallCpu, outcome] = run.stderr.trim().split(" ");
    return {
      wall: Number(wall),
      cpu: Number(cpu),
      firstCallCpu: Number(firstCallCpu),
      outcome: outcome ?? "-",
    };
  };
  type ImportTime = { wall: number; cpu: number; firstCallCpu: number; outcome: string };
  const endpointImports: Record<
    "passwordResetRequested" | "resyncPassword" | "postConfirmation",
    ImportTime[]
  > = {
    passwordResetRequested: [],
    resyncPassword: [],
    postConfirmation: [],
  };
  const bundleImports: ImportTime[] = [];
  const emptyImports: ImportTime[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    bundleImports.push(await timeImport(bundles.userMigration));
    endpointImports.passwordResetRequested.push(await timeImport(bundles.passwordResetRequested));
    endpointImports.resyncPassword.push(await timeImport(bundles.resyncPassword));
    endpointImports.postConfirmation.push(await timeImport(bundles.postConfirmation));
    emptyImports.push(await timeImport(emptyModule));
  }
  const emptyWall = quantile(
    emptyImports.map((time) => time.wall),
    0.5,
  );
  const emptyCpu = quantile(
    emptyImports.map((time) => time.cpu),
    0.5,
  );
  const initOf = (times: ImportTime[]) => {
    const wall = quantile(
      times.map((time) => time.wall),
      0.5,
    );
    const cpu = quantile(
      times.map((time) => time.cpu),
      0.5,
    );
    const firstCallCpu = quantile(
      times.map((time) => time.firstCallCpu),
      0.5,
    );
    const coldCpu = quantile(
      times.map((time) => time.cpu + time.firstCallCpu),
      0.5,
    );
    const outcomes = [...new Set(times.map((time) => time.outcome))].join("|");
    return { wall, cpu, ratio: wall / emptyWall, cpuRatio: cpu / emptyCpu, firstCallCpu, coldCpu, outcomes };
  };
  const initTable = {
    userMigration: initOf(bundleImports),
    passwordResetRequested: initOf(endpointImports.passwordResetRequested),
    resyncPassword: initOf(endpointImports.resyncPassword),
    postConfirmation: initOf(endpointImports.postConfirmation),
  };
  const inits = bundleImports.map((time) => time.wall);
  const initMedian = quantile(inits, 0.5);
  const initCpuMedian = quantile(
    bundleImports.map((time) => time.cpu),
    0.5,
  );
  const firstCallCpuMedian = quantile(
    bundleImports.map((time) => time.firstCallCpu),
    0.5,
  );
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
  // The handler logs one JSON line per migration, as in Lambda; its bytes go to a sink, not the terminal.
  const write = process.stdout.write.bind(process.stdout);
  let logged = 0;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logged += chunk.length;
    return true;
  }) as typeof process.stdout.write;
  // Both clients call globalThis.fetch; timing it inside each invocation separates the handler's own
  // work from its Realm round trip in the same invocation, which this shared machine's noise cannot blur.
  const realFetch = globalThis.fetch;
  let inFetchMs = 0;
  let inFetchCpuMs = 0;
  const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
  globalThis.fetch = async (input, init) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const response = await realFetch(input, init);
    const body = await response.arrayBuffer();
    inFetchMs += performance.now() - started;
    inFetchCpuMs += cpuMs(process.cpuUsage(cpu));
    return new Response(body, { status: response.status, headers: response.headers });
  };
  const handlerTimes: number[] = [];
  const rawTimes: number[] = [];
  const ownTimes: number[] = [];
  const ownCpuTimes: number[] = [];
  const warmupOwnCpuTimes: number[] = [];
  try {
    for (let i = 0; i < WARMUP + INVOCATIONS; i++) {
      let started = performance.now();
      await raw.login(email, password);
      const rawMs = performance.now() - started;
      inFetchMs = 0;
      inFetchCpuMs = 0;
      started = performance.now();
      const cpu = process.cpuUsage();
      await handler(event());
      const handlerMs = performance.now() - started;
      const handlerCpuMs = cpuMs(process.cpuUsage(cpu));
      if (i < WARMUP) warmupOwnCpuTimes.push(handlerCpuMs - inFetchCpuMs);
      else {
        rawTimes.push(rawMs);
        handlerTimes.push(handlerMs);
        ownTimes.push(handlerMs - inFetchMs);
        ownCpuTimes.push(handlerCpuMs - inFetchCpuMs);
      }
    }
  } finally {
    process.stdout.write = write;
    globalThis.fetch = realFetch;
  }
  const own = { p50: quantile(ownTimes, 0.5), p99: quantile(ownTimes, 0.99) };
  const ownCpu = { p50: quantile(ownCpuTimes, 0.5), p99: quantile(ownCpuTimes, 0.99) };
  const p50 = { raw: quantile(rawTimes, 0.5), handler: quantile(handlerTimes, 0.5) };
  const p99 = { raw: quantile(rawTimes, 0.99), handler: quantile(handlerTimes, 0.99) };
  const overhead = { p50: p50.handler - p50.raw, p99: p99.handler - p99.raw };

  console.log(
    `cold init (median of ${COLD_STARTS} fresh node processes, import timed inside): ${ms(initMedian)}`,
  );
  console.log(`  min ${ms(Math.min(...inits))}, max ${ms(Math.max(...inits))}`);
  console.log(`  CPU time of the import (median): ${ms(initCpuMedian)}`);
  console.log(
    `  an empty module timed alike: wall ${ms(
      quantile(
        emptyImports.map((time) => time.wall),
        0.5,
      ),
    )}, CPU ${ms(
      quantile(
        emptyImports.map((time) => time.cpu),
        0.5,
      ),
    )}`,
  );
  console.log("cold init of each bundle against the empty module (medians; target <= 1.5x):");
  for (const [name, init] of Object.entries(initTable)) {
    const bytes = (await stat(bundles[name as keyof typeof bundles])).size;
    console.log(
      `  ${name.padEnd(24)} ${String(bytes).padStart(7)} B   wall ${ms(init.wall)} = ${init.ratio.toFixed(2)}x   CPU ${ms(init.cpu)} = ${init.cpuRatio.toFixed(2)}x   ${verdict(init.ratio <= TARGETS.initRatio)}`,
    );
  }
  console.log(
    `  then the trigger's first invocation's own CPU (median, minus its Realm fetch): ${ms(firstCallCpuMedian)}`,
  );
  const emptyInit = initOf(emptyImports);
  console.log(
    "cold start to the first answer: CPU of the import + the first invocation's own CPU (medians; fetches subtracted)",
  );
  console.log(
    `  ${"empty module".padEnd(24)} import ${ms(emptyInit.cpu)} + first call ${ms(emptyInit.firstCallCpu)} = ${ms(emptyInit.coldCpu)}`,
  );
  for (const [name, init] of Object.entries(initTable))
    console.log(
      `  ${name.padEnd(24)} import ${ms(init.cpu)} + first call ${ms(init.firstCallCpu)} = ${ms(init.coldCpu)} = ${(init.coldCpu / emptyInit.coldCpu).toFixed(2)}x   (first call: ${init.outcomes})`,
    );
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
  console.log(
    `  overhead          p50 ${ms(overhead.p50)}   p99 ${ms(overhead.p99)}   (difference of the quantiles)`,
  );
  console.log(
    `  handler's own work p50 ${ms(own.p50)}   p99 ${ms(own.p99)}   (per invocation, minus its Realm fetch)`,
  );
  console.log(
    `  handler's own CPU  p50 ${ms(ownCpu.p50)}   p99 ${ms(ownCpu.p99)}   (CPU time, same subtraction; the emulator runs inside the fetch)`,
  );
  console.log(
    `  during the ${WARMUP} warm-up invocations before: own CPU p50 ${ms(quantile(warmupOwnCpuTimes, 0.5))}   p99 ${ms(quantile(warmupOwnCpuTimes, 0.99))}   (JIT still at work)`,
  );
  console.log(
    `  ratio handler/raw p50 ${(p50.handler / p50.raw).toFixed(2)}x   p99 ${(p99.handler / p99.raw).toFixed(2)}x`,
  );
  console.log("targets:");
  console.log(
    `  trigger bundle < ${TARGETS.bundleBytes} B: ${triggerBytes} B ${verdict(triggerBytes < TARGETS.bundleBytes)}`,
  );
  console.log(`  init < ${TARGETS.initMs} ms: ${verdict(initMedian < TARGETS.initMs)}`);
  for (const name of ["passwordResetRequested", "resyncPassword", "postConfirmation"] as const) {
    const bytes = (await stat(bundles[name])).size;
    console.log(
      `  ${name} bundle <= ${TARGETS.endpointBundleBytes} B: ${bytes} B ${verdict(bytes <= TARGETS.endpointBundleBytes)}`,
    );
  }
  for (const [name, init] of Object.entries(initTable))
    console.log(
      `  ${name} init <= ${TARGETS.initRatio}x an empty module: ${init.ratio.toFixed(2)}x ${verdict(init.ratio <= TARGETS.initRatio)}`,
    );
  console.log(
    `  overhead p50 < ${TARGETS.overheadP50Ms} ms: ${verdict(overhead.p50 < TARGETS.overheadP50Ms)} (own work ${verdict(own.p50 < TARGETS.overheadP50Ms)})`,
  );
  console.log(
    `  overhead p99 < ${TARGETS.overheadP99Ms} ms: ${verdict(overhead.p99 < TARGETS.overheadP99Ms)} (own work ${verdict(own.p99 < TARGETS.overheadP99Ms)})`,
  );
} finally {
  await realm.stop();
  await rm(outDir, { recursive: true, force: true });
}
