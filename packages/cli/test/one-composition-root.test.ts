import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const ROOT = "services.ts";

// A client comes to life with `new …Client(` (AWS SDK, Realm, MongoDB) or through one of the adapters'
// factories; the factories may be defined in their adapters, but only the composition root calls them.
const FACTORIES = [
  "createCognitoClient",
  "createLogsClient",
  "createSesClient",
  "createFastCognitoSender",
  "createSesTransport",
  "createSmtpTransport",
];
const CONSTRUCTION = new RegExp(
  `\\bnew\\s+\\w*Client\\s*\\(|\\b(${FACTORIES.join("|")})\\s*\\(|nodemailer\\.createTransport\\s*\\(`,
);
const DEFINITION = new RegExp(`^\\s*export\\s+(async\\s+)?function\\s+(${FACTORIES.join("|")})\\b`);
const COMMENT = /^\s*(\*|\/\/|\/\*)/;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** The lines that build a client, a body of a factory excepted, as `file:line`. */
function constructionSites(text: string, name: string): string[] {
  const sites: string[] = [];
  let insideFactory = false;
  let depth = 0;
  text.split("\n").forEach((line, index) => {
    if (!insideFactory && DEFINITION.test(line)) {
      insideFactory = true;
      depth = 0;
    }
    if (insideFactory) {
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
      if (depth <= 0 && line.includes("}")) insideFactory = false;
      return;
    }
    if (!COMMENT.test(line) && CONSTRUCTION.test(line)) sites.push(`${name}:${index + 1}`);
  });
  return sites;
}

function sitesOutsideTheRoot(src = SRC): string[] {
  const sites: string[] = [];
  for (const file of sourceFiles(src)) {
    const name = relative(src, file).split("\\").join("/");
    if (name !== ROOT) sites.push(...constructionSites(readFileSync(file, "utf8"), name));
  }
  return sites;
}

describe("one composition root builds every client", () => {
  it("no file but services.ts constructs a client or calls a client factory", () => {
    expect(sitesOutsideTheRoot()).toEqual([]);
  });

  it("services.ts itself is found building them (so an empty result above means something)", () => {
    const text = readFileSync(join(SRC, ROOT), "utf8");
    expect(constructionSites(text, ROOT).length).toBeGreaterThanOrEqual(6);
  });

  it("a construction in a command module is reported; a factory's own body and comments are not", () => {
    const command = [
      'import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";',
      "// new CognitoIdentityProviderClient({}) in a comment is prose",
      "export function run() {",
      "  const cognito = new CognitoIdentityProviderClient({ region });",
      "  const logs = createLogsClient({ region });",
      "}",
    ].join("\n");
    expect(constructionSites(command, "commands/x.ts")).toEqual(["commands/x.ts:4", "commands/x.ts:5"]);
    const adapter = [
      "export function createCognitoClient(options: { region: string }) {",
      "  return new CognitoIdentityProviderClient({",
      "    region: options.region,",
      "  });",
      "}",
      "const stray = new SESv2Client({});",
    ].join("\n");
    expect(constructionSites(adapter, "cognito/client.ts")).toEqual(["cognito/client.ts:6"]);
  });
});
