import { spawn } from "node:child_process";
import { join } from "node:path";
import { ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { fromAttributeList, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand } from "../src/commands/export.js";
import { verifyCommand } from "../src/commands/verify.js";
import { createServices } from "../src/services.js";
import { type CliSandbox, startCliSandbox } from "./sandbox.js";

const services = createServices();

const MAIN = join(import.meta.dirname, "../src/main.ts");
let sandbox: CliSandbox;
beforeAll(async () => {
  sandbox = await startCliSandbox({ users: 90, seed: 11 });
});
afterAll(() => sandbox?.stop());

function runImport(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, output })),
  );
  return { child, exited };
}

function attempts(ledgerFile: string): number {
  try {
    const db = new Database(ledgerFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM history WHERE event = 'attempt'").get() as { n: number })
        .n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet, or mid-migration
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("import killed with SIGKILL at random points", () => {
  it("ends, after re-runs, with every importable user present exactly once", async () => {
    const pool = await sandbox.newPool();
    const snapshot = join(sandbox.dir, "kill.ndjson");
    const ledger = join(sandbox.dir, "kill-ledger.db");
    await exportCommand(
      services,
      { config: sandbox.config(), quiet: true },
      { out: snapshot, adminApi: true, collection: false, pending: true, resume: false },
    );
    const env = { ...process.env, ...sandbox.env, COGNITO_USER_POOL_ID: pool.userPoolId };
    // The fast transport here (the sandbox tests cover the SDK one): cognito-local is a real server for it.
    const args = ["import", "-s", snapshot, "--ledger", ledger, "--rate", "30", "--set-password-rate", "30"];
    args.push("--concurrency", "4", "--transport", "fast", "-q", "--json");
    const kills: string[] = [];
    // First kill at a random moment from start (often during startup or the plan), then three kills
    // each a random time after the run has made progress.
    for (let round = 0; round < 4; round++) {
      const before = attempts(ledger);
      const run = runImport(args, env);
      if (round > 0) {
        const deadline = Date.now() + 15_000;
        while (attempts(ledger) === before && Date.now() < deadline) await sleep(15);
      }
      const delay = Math.floor(Math.random() * (round === 0 ? 1500 : 500));
      await sleep(delay);
      run.child.kill("SIGKILL");
      const result = await run.exited;
      kills.push(
        `${result.signal ?? `exit ${result.code}`} after +${delay} ms (attempts ${before}→${attempts(ledger)})`,
      );
    }
    console.info(`kills: ${kills.join("; ")}`);
    const final = await runImport(args, env).exited;
    expect(final.code, final.output).toBe(0);

    const { Users = [] } = await sandbox.cognito
      .client()
      .send(new ListUsersCommand({ UserPoolId: pool.userPoolId }));
    const ids = Users.map((user) => fromAttributeList(user.Attributes)[REALM_USER_ID_ATTRIBUTE]);
    expect(new Set(ids).size, kills.join("; ")).toBe(ids.length);
    const config = sandbox.config({ ledger, userPoolId: pool.userPoolId });
    const report = await verifyCommand(services, { config }, { snapshot, listPool: true });
    expect(report.differences, kills.join("; ")).toEqual([]);
    expect(report.present).toBe(Users.length);
    expect(Users.length).toBeGreaterThan(30);
  }, 120_000);
});
