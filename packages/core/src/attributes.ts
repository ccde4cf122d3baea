import { emailVerifiedValue } from "./account-status.js";
import type { SourceUser } from "./user.js";

export const REALM_USER_ID_ATTRIBUTE = "custom:realm_user_id";
export const MONGO_ID_ATTRIBUTE = "custom:mongo_id";

/** Cognito attributes keyed by name, e.g. `{ email: "a@b.c", "custom:realm_user_id": "..." }`. */
export type CognitoAttributes = Record<string, string>;

/** Extra attributes: Cognito attribute name → key of `SourceUser.extra`. */
export type AttributeMapping = Readonly<Record<string, string>>;

// Attributes Cognito owns or that would let a source record impersonate another user.
// `custom:migration_state` says who phase-1 endpoints may touch (DECISIONS.md §1): only the backend writes it.
const FORBIDDEN_TARGETS = new Set([
  "sub",
  "cognito:username",
  "email",
  "email_verified",
  "identities",
  "custom:migration_state",
]);

/**
 * Maps a source user to the attributes Cognito should hold. `email_verified` is "true" only for users
 * Realm confirmed; `sub` is never returned (Cognito makes its own, returning one breaks sign-in).
 * @example toCognitoAttributes({ email: "a@b.co", realmUserId: "6…", confirmed: true, disabled: false })
 */
export function toCognitoAttributes(user: SourceUser, mapping: AttributeMapping = {}): CognitoAttributes {
  const attributes: CognitoAttributes = {
    email: user.email,
    email_verified: emailVerifiedValue(user),
  };
  if (user.realmUserId !== undefined) attributes[REALM_USER_ID_ATTRIBUTE] = user.realmUserId;
  if (user.mongoId !== undefined) attributes[MONGO_ID_ATTRIBUTE] = user.mongoId;
  for (const [target, sourceKey] of Object.entries(mapping)) {
    if (FORBIDDEN_TARGETS.has(target)) continue;
    const value = user.extra?.[sourceKey];
    if (value !== undefined && value !== "") attributes[target] = value;
  }
  return attributes;
}

/** Validates a mapping once, where it is configured; a mapping onto an owned attribute is a mistake. */
export function checkAttributeMapping(mapping: AttributeMapping): string[] {
  return Object.keys(mapping)
    .filter((target) => FORBIDDEN_TARGETS.has(target))
    .map((target) => `attribute "${target}" is set by the toolkit or by Cognito and cannot be mapped`);
}

/** Cognito's `[{Name, Value}]` shape. */
export function toAttributeList(attributes: CognitoAttributes): { Name: string; Value: string }[] {
  return Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
}

export function fromAttributeList(
  list: readonly { Name?: string; Value?: string }[] | undefined,
): CognitoAttributes {
  const attributes: CognitoAttributes = {};
  for (const { Name, Value } of list ?? [])
    if (Name !== undefined && Value !== undefined) attributes[Name] = Value;
  return attributes;
}
