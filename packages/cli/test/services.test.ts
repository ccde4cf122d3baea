import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { createServices, processOutput, type Services } from "../src/services.js";
import { sourceUser, tempDir } from "./helpers.js";

const dir = tempDir("r2c-services-");

/** Services whose every client factory records that it was asked, and whose output is kept. */
function recordingServices(): { services: Services; built: string[]; out: () => string; err: () => string } {
  const built: string[] = [];
  let out = "";
  let err = "";
  const refuse = (name: string) => (): never => {
    built.push(name);
    throw new Error(`${name} was built`);
  };
  const services = createServices({
    env: {},
    output: { ...processOutput, stdout: (text) => (out += text), stderr: (text) => (err += text) },
    cognito: refuse("cognito"),
    importSender: refuse("importSender"),
    logs: refuse("logs"),
    realmAdmin: refuse("realmAdmin"),
    realmAuth: refuse("realmAuth"),
    mongo: refuse("mongo"),
    mail: refuse("mail"),
  });
  return { services, built, out: () => out, err: () => err };
}

describe("the composition root", () => {
  it("builds no client for --help, a usage error or an offline command, and prints only through its output", async () => {
    const { services, built, out, err } = recordingServices();
    expect(await main(["node", "realm-to-cognito", "--help"], services)).toBe(0);
    expect(out()).toContain("Usage: realm-to-cognito");
    expect(await main(["node", "realm-to-cognito", "import", "--bogus"], services)).toBe(2);
    expect(err()).toMatch(/required option '-s, --snapshot <file>' not specified/);

    const snapshot = join(dir, "users.ndjson");
    writeFileSync(snapshot, `${JSON.stringify(sourceUser(1))}\n`);
    const directory = join(dir, "users.directory");
    const code = await main(
      ["node", "realm-to-cognito", "directory", "-s", snapshot, "-o", directory, "--json"],
      services,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out().slice(out().indexOf("{")))).toMatchObject({ users: 1 });
    expect(built).toEqual([]);
  });

  it("hands a command only the client it asks for: status without a listing opens the ledger and nothing else", async () => {
    const { services, built, out } = recordingServices();
    const ledger = join(dir, "status.db");
    const code = await main(
      ["node", "realm-to-cognito", "status", "--no-list-pool", "--json", "--ledger", ledger],
      services,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out())).toHaveProperty("ledger");
    expect(built).toEqual([]);
    // Asked to list the pool, status reaches for Cognito, and only through the services.
    expect(
      await main(
        ["node", "realm-to-cognito", "status", "--ledger", ledger, "--pool-id", "us-east-1_x"],
        services,
      ),
    ).toBe(1);
    expect(built).toEqual(["cognito"]);
  });
});
