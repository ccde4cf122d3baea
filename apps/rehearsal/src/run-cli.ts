import { main } from "@realm-to-cognito/cli";
import type { SandboxWorld } from "@realm-to-cognito/sandbox";

export interface CliRun {
  code: number;
  stdout: string;
}

/** The environment an operator would export to point the CLI at this world (secrets included). */
export function cliEnvironment(world: SandboxWorld): Record<string, string> {
  return {
    REALM_APP_ID: world.realm.appId,
    REALM_BASE_URL: world.realm.baseUrl,
    REALM_ADMIN_BASE_URL: world.realm.adminBaseUrl,
    REALM_GROUP_ID: world.realm.groupId,
    REALM_APP_OBJECT_ID: world.realm.appObjectId,
    REALM_ADMIN_PUBLIC_KEY: world.realm.apiKey.publicKey,
    REALM_ADMIN_PRIVATE_KEY: world.realm.apiKey.privateKey,
    COGNITO_ENDPOINT: world.cognito.endpoint,
    COGNITO_REGION: world.cognito.region,
    COGNITO_USER_POOL_ID: world.userPoolId,
    COGNITO_CLIENT_ID: world.clientId,
  };
}

/**
 * Runs `realm-to-cognito <args>` in this process, exactly as the command line would, with the world's
 * environment, and keeps what it printed so the rehearsal's own table stays readable.
 */
export async function runCli(world: SandboxWorld, args: readonly string[]): Promise<CliRun> {
  const savedEnv = { ...process.env };
  const savedExitCode = process.exitCode;
  const write = process.stdout.write.bind(process.stdout);
  let stdout = "";
  Object.assign(process.env, cliEnvironment(world));
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await main(["node", "realm-to-cognito", ...args, "--quiet"]);
    return { code, stdout };
  } finally {
    process.stdout.write = write;
    process.env = savedEnv;
    process.exitCode = savedExitCode;
  }
}
