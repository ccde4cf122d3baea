import {
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUsersCommand,
  type UserPoolClientType,
  type UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { fromAttributeList, REALM_USER_ID_ATTRIBUTE } from "@realm-to-cognito/core";
import type { PoolUser } from "../ledger/index.js";
import { type TokenBucket, withRetries } from "../rate.js";
import type { CognitoSender } from "./client.js";

/**
 * Every user of the pool, a page (60) at a time, following PaginationToken, each call waiting its turn
 * in `bucket` (ListUsers has 30 calls a second per account, not adjustable).
 */
export async function* listPoolUsers(
  client: CognitoSender,
  userPoolId: string,
  bucket: TokenBucket,
  options: { maxAttempts?: number } = {},
): AsyncGenerator<PoolUser[]> {
  let token: string | undefined;
  const seenTokens = new Set<string>();
  do {
    await bucket.take();
    const page = await withRetries(
      () =>
        client.send(
          new ListUsersCommand({
            UserPoolId: userPoolId,
            Limit: 60,
            ...(token ? { PaginationToken: token } : {}),
          }),
        ),
      { maxAttempts: options.maxAttempts ?? 6, onRetry: () => bucket.penalize(1000) },
    );
    yield (page.Users ?? []).map(poolUserOf);
    token = page.PaginationToken || undefined;
    // A service that hands the same token back would loop forever; stop instead.
    if (token !== undefined) {
      if (seenTokens.has(token)) break;
      seenTokens.add(token);
    }
  } while (token !== undefined);
}

export function poolUserOf(user: UserType): PoolUser {
  const attributes = fromAttributeList(user.Attributes);
  return {
    username: user.Username ?? "",
    email: attributes.email,
    realmUserId: attributes[REALM_USER_ID_ATTRIBUTE],
    status: user.UserStatus,
    enabled: user.Enabled !== false,
    createdAt: user.UserCreateDate?.toISOString(),
    lastModifiedAt: user.UserLastModifiedDate?.toISOString(),
  };
}

/** A finding about the pool's shape: `ok` false means something to fix before migrating. */
export interface PoolCheck {
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
}

/** Checks the pool has the shape the migration needs (the custom attributes: pool-safety.ts). */
export async function checkPoolShape(
  client: CognitoSender,
  userPoolId: string,
  clientId: string | undefined,
): Promise<PoolCheck[]> {
  const { UserPool: pool } = await client.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId }));
  const checks: PoolCheck[] = [];
  const caseSensitive = pool?.UsernameConfiguration?.CaseSensitive;
  checks.push(
    caseSensitive === false
      ? { ok: true, what: "usernames are case-insensitive" }
      : {
          ok: false,
          what: `usernames are case-sensitive (${caseSensitive === undefined ? "not set: the API default" : "true"})`,
          fix: "create the pool with UsernameConfiguration.CaseSensitive=false (it cannot be changed later)",
        },
  );
  const emailUsername = pool?.UsernameAttributes?.includes("email") ?? false;
  const emailAlias = pool?.AliasAttributes?.includes("email") ?? false;
  checks.push(
    emailUsername || emailAlias
      ? { ok: true, what: `email is ${emailUsername ? "the username" : "an alias"}` }
      : {
          ok: false,
          what: "email is neither the username nor an alias",
          fix: "use UsernameAttributes=[email]",
        },
  );
  // The custom attributes are checked with the pool's safety (pool-safety.ts): WriteAttributes, not
  // mutability, is what keeps users from writing them.
  const trigger = pool?.LambdaConfig?.UserMigration;
  checks.push(
    trigger
      ? { ok: true, what: `UserMigration trigger attached (${trigger})` }
      : {
          ok: false,
          what: "no UserMigration trigger",
          fix: "attach the realm-user-migration Lambda (phase 1 needs it)",
        },
  );
  checks.push(await checkAppClients(client, userPoolId, clientId));
  return checks;
}

/**
 * The pool's app clients as DescribeUserPoolClient answers (the one given, or every one, listed page by
 * page): doctor's checks read each client's flows and attributes from here.
 */
export async function describeAppClients(
  client: CognitoSender,
  userPoolId: string,
  clientId?: string,
): Promise<UserPoolClientType[]> {
  const ids: string[] = [];
  if (clientId) ids.push(clientId);
  else {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListUserPoolClientsCommand({
          UserPoolId: userPoolId,
          MaxResults: 60,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const listed of page.UserPoolClients ?? []) if (listed.ClientId) ids.push(listed.ClientId);
      token = page.NextToken || undefined;
    } while (token !== undefined && ids.length < 10_000);
  }
  const described: UserPoolClientType[] = [];
  for (const id of ids) {
    const { UserPoolClient: appClient } = await client.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: id }),
    );
    if (appClient) described.push({ ...appClient, ClientId: appClient.ClientId ?? id });
  }
  return described;
}

async function checkAppClients(
  client: CognitoSender,
  userPoolId: string,
  clientId: string | undefined,
): Promise<PoolCheck> {
  const described = await describeAppClients(client, userPoolId, clientId);
  for (const appClient of described) {
    if (appClient.ExplicitAuthFlows?.includes("ALLOW_USER_PASSWORD_AUTH"))
      return { ok: true, what: `app client ${appClient.ClientId} allows USER_PASSWORD_AUTH` };
  }
  return {
    ok: false,
    what: described.length ? "no app client allows USER_PASSWORD_AUTH" : "the pool has no app client",
    fix: "add ALLOW_USER_PASSWORD_AUTH to the app client's ExplicitAuthFlows (the migration trigger needs the password)",
  };
}
