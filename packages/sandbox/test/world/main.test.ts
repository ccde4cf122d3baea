import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { DescribeUserPoolCommand, ForgotPasswordCommand } from "@aws-sdk/client-cognito-identity-provider";
import { AuthClient } from "@realm-to-cognito/realm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cognitoLocalClient } from "../../src/cognito/index.js";
import type { SandboxDescription } from "../../src/world.js";

const REPO_ROOT = new URL("../../../../", import.meta.url).pathname;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the sandbox command (npm run sandbox -- --json)", () => {
  let sandbox: ChildProcessWithoutNullStreams;
  const lines: string[] = [];
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  beforeAll(async () => {
    // `npx tsx` minus its wrappers: npm exec re-raises SIGINT on itself, and tsx's CLI reports 130
    // when the child exits before answering its signal handshake, both hiding the sandbox's own exit
    // code. Its own process group, so SIGINT arrives as Ctrl-C sends it.
    const args = ["--import", "tsx", "packages/sandbox/src/main.ts", "--json", "--seed-users", "20"];
    sandbox = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    sandbox.stderr.resume();
    exited = new Promise((resolve) => sandbox.once("exit", (code, signal) => resolve({ code, signal })));
    const reader = createInterface({ input: sandbox.stdout });
    await new Promise<void>((resolve, reject) => {
      reader.on("line", (line) => {
        lines.push(line);
        if (line.startsWith("Press Ctrl-C")) resolve();
      });
      sandbox.once("exit", () => reject(new Error(`sandbox exited early; stdout: ${lines.join("\n")}`)));
    });
  });

  afterAll(() => {
    if (sandbox.exitCode === null && sandbox.pid) process.kill(-sandbox.pid, "SIGKILL");
  });

  it("prints the world's description as the first line, then the endpoints, and the world works", async () => {
    const description = JSON.parse(lines[0] ?? "") as SandboxDescription;
    expect(Object.keys(description)).toEqual(["realm", "cognito", "lambda", "users"]);
    expect(lines.join("\n")).toContain("Migration API");

    const active = description.users.find((user) => user.state === "active");
    if (!active) throw new Error("no active demo user listed");
    const realm = new AuthClient({ appId: description.realm.appId, baseUrl: description.realm.baseUrl });
    expect((await realm.login(active.email, active.password)).userId).toMatch(/^[0-9a-f]{24}$/);

    const cognito = cognitoLocalClient(description.cognito.endpoint);
    const { UserPool } = await cognito.send(
      new DescribeUserPoolCommand({ UserPoolId: description.cognito.userPoolId }),
    );
    expect(UserPool?.Id).toBe(description.cognito.userPoolId);
    // By default the pool hides user existence, as Cognito does for a console-made client.
    expect(JSON.parse(lines[1] ?? "")).toMatchObject({ userExistenceErrors: "hidden" });
    const stranger = await cognito.send(
      new ForgotPasswordCommand({ ClientId: description.cognito.clientId, Username: "nobody@example.com" }),
    );
    expect(stranger.CodeDeliveryDetails?.DeliveryMedium).toBe("EMAIL");
    cognito.destroy();
  });

  it("stops cleanly on SIGINT, leaving no cognito-local process", async () => {
    const cognitoPid = Number(/cognito-local pid (\d+)/.exec(lines.join("\n"))?.[1]);
    expect(isAlive(cognitoPid)).toBe(true);
    process.kill(-(sandbox.pid as number), "SIGINT");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(isAlive(cognitoPid)).toBe(false);
  });
});
