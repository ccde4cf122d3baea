import { existsSync, readFileSync } from "node:fs";
import {
  DescribeUserPoolCommand,
  type UserPoolClientType,
  type UserPoolType,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoSender } from "./client.js";
import { describeAppClients } from "./pool.js";

/** A doctor finding: `ok` false means something to change before the migration's mail or sign-ins. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
}

/** Cognito's built-in sender's daily limit for a pool (AWS's quotas page; "Email settings for user pools"). */
export const COGNITO_DEFAULT_EMAIL_DAILY_QUOTA = 50;

/**
 * Whether the pool can mail `audience` people (reset codes, invitations) in a day. With the default
 * sender (`EmailConfiguration.EmailSendingAccount` COGNITO_DEFAULT, or no email configuration at all)
 * Cognito sends 50 messages a day; a reset wave needs the pool on SES (DEVELOPER).
 */
export function checkEmailSender(pool: UserPoolType | undefined, audience: number): ReadinessCheck {
  const account = pool?.EmailConfiguration?.EmailSendingAccount ?? "COGNITO_DEFAULT";
  if (account === "DEVELOPER")
    return {
      ok: true,
      what: `the pool sends email through SES (${pool?.EmailConfiguration?.SourceArn ?? "no SourceArn"}): its sending quota applies`,
    };
  if (audience <= COGNITO_DEFAULT_EMAIL_DAILY_QUOTA)
    return {
      ok: true,
      what: `the pool uses Cognito's default email sender (${COGNITO_DEFAULT_EMAIL_DAILY_QUOTA} a day), enough for ${audience} users`,
    };
  const days = Math.ceil(audience / COGNITO_DEFAULT_EMAIL_DAILY_QUOTA);
  return {
    ok: false,
    what: `the pool uses Cognito's default email sender (EmailConfiguration.EmailSendingAccount COGNITO_DEFAULT, ${COGNITO_DEFAULT_EMAIL_DAILY_QUOTA} messages a day) for ${audience} users: their reset codes would take ${days} days, and every other message (sign-up codes) waits behind them`,
    fix: "set the pool's EmailConfiguration.EmailSendingAccount to DEVELOPER with SourceArn the ARN of a verified SES identity (UpdateUserPool, or the CDK construct's email option), and raise the SES sending quota above the wave",
  };
}

/** Which flows the deployment uses: ADMIN_USER_PASSWORD_AUTH only when a backend signs users in for them. */
export interface AuthFlowNeeds {
  readonly adminUserPasswordAuth: boolean;
}

/**
 * The app client's ExplicitAuthFlows against what the endpoints and the front end need:
 * ALLOW_USER_PASSWORD_AUTH (the web library's sign-in, the flow that fires the User Migration trigger),
 * ALLOW_REFRESH_TOKEN_AUTH (sessions beyond the first hour), and ALLOW_ADMIN_USER_PASSWORD_AUTH only if
 * used — allowed and unused, it is one more way to try passwords with the app's credentials.
 */
export function checkAuthFlows(
  appClient: UserPoolClientType,
  needs: AuthFlowNeeds = { adminUserPasswordAuth: false },
): ReadinessCheck[] {
  const id = appClient.ClientId ?? "(unnamed)";
  const flows = new Set<string>(appClient.ExplicitAuthFlows ?? []);
  const required: Array<[string, string]> = [
    [
      "ALLOW_USER_PASSWORD_AUTH",
      "the web library signs in with USER_PASSWORD_AUTH, the flow that fires the User Migration trigger",
    ],
    [
      "ALLOW_REFRESH_TOKEN_AUTH",
      "sessions are renewed with the refresh token; without it users are signed out after an hour",
    ],
  ];
  if (needs.adminUserPasswordAuth)
    required.push([
      "ALLOW_ADMIN_USER_PASSWORD_AUTH",
      "the deployment signs users in from a backend (ADMIN_USER_PASSWORD_AUTH)",
    ]);
  const checks: ReadinessCheck[] = required.map(([flow, why]) =>
    flows.has(flow)
      ? { ok: true, what: `app client ${id} allows ${flow}` }
      : {
          ok: false,
          what: `app client ${id} does not allow ${flow}: ${why}`,
          fix: `add ${flow} to the app client's ExplicitAuthFlows (UpdateUserPoolClient sends the whole list: keep the others)`,
        },
  );
  // Not a failure (nothing breaks), but said, so the operator removes a flow nobody uses.
  if (!needs.adminUserPasswordAuth && flows.has("ALLOW_ADMIN_USER_PASSWORD_AUTH"))
    checks.push({
      ok: true,
      what: `app client ${id} also allows ALLOW_ADMIN_USER_PASSWORD_AUTH, which nothing of the migration uses: remove it from ExplicitAuthFlows unless a backend of yours signs users in`,
    });
  return checks;
}

/**
 * The doctor's delivery and sign-in readiness checks, read from the pool: the email sender against the
 * audience (the users of `snapshot`, from its manifest, when given) and each app client's auth flows
 * (the configured one, else every client of the pool).
 */
export async function poolReadinessChecks(options: {
  client: CognitoSender;
  userPoolId: string;
  clientId?: string | undefined;
  snapshotManifest?: string | undefined;
  needs?: AuthFlowNeeds;
}): Promise<ReadinessCheck[]> {
  const { client, userPoolId } = options;
  const checks: ReadinessCheck[] = [];
  const { UserPool: pool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  const audience = audienceOf(options.snapshotManifest);
  checks.push(
    audience === undefined
      ? {
          ok: true,
          what: `email sender ${pool?.EmailConfiguration?.EmailSendingAccount ?? "COGNITO_DEFAULT"}; give --snapshot to check it against the audience`,
        }
      : checkEmailSender(pool, audience),
  );
  for (const appClient of await describeAppClients(client, userPoolId, options.clientId))
    checks.push(...checkAuthFlows(appClient, options.needs));
  return checks;
}

function audienceOf(manifest: string | undefined): number | undefined {
  if (manifest === undefined || !existsSync(manifest)) return undefined;
  try {
    const users = (JSON.parse(readFileSync(manifest, "utf8")) as { users?: unknown }).users;
    return typeof users === "number" ? users : undefined;
  } catch {
    return undefined;
  }
}
