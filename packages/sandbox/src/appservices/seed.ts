import { objectIdFrom } from "./ids.js";
import { hashPassword } from "./passwords.js";
import type { EmulatorStore } from "./store.js";

export type SeededState = "active" | "never-logged-in" | "pending" | "disabled";

export interface SeedSummary {
  count: number;
  byState: Record<string, number>;
  demoUsers: Array<{ email: string; password: string; state: string }>;
}

export interface SeedOptions {
  /** How many users; seeded emails are `user1@example.com` … `user{count}@example.com`. */
  readonly count: number;
  /** Default 1. The same seed always gives the same users, ids, dates and passwords. */
  readonly seed?: number;
}

// Seeded dates are anchored, not taken from the clock, so a seed gives the same data on every run:
// two years of sign-ups ending the month App Services authentication was switched off.
const SEED_END_MS = Date.UTC(2025, 8, 1);
const TWO_YEARS_MS = 730 * 24 * 3600 * 1000;
const BATCH = 10_000;

const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Alan",
  "Edsger",
  "Barbara",
  "Donald",
  "Frances",
  "Ken",
  "Radia",
  "Tim",
  "Margaret",
  "Dennis",
  "Linus",
  "Hedy",
  "John",
  "Katherine",
  "Leslie",
  "Niklaus",
  "Shafi",
  "Sophie",
];
const LAST_NAMES = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen",
  "Thompson",
  "Perlman",
  "Berners-Lee",
  "Hamilton",
  "Ritchie",
  "Torvalds",
  "Lamarr",
  "McCarthy",
  "Johnson",
  "Lamport",
  "Wirth",
  "Goldwasser",
  "Wilson",
];
const PLANS = ["free", "free", "free", "pro", "team"];
const LOCALES = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP", "pt-BR"];

/** A small, fast, deterministic PRNG (mulberry32); numbers in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ (b >>> 0);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 0;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function hex16(random: () => number): string {
  const word = () =>
    Math.floor(random() * 4294967296)
      .toString(16)
      .padStart(8, "0");
  return word() + word();
}

/** `user{index}@example.com`: the email of seeded user `index` (1-based). */
export function seededEmail(index: number): string {
  return `user${index}@example.com`;
}

/**
 * The password of seeded user `index` under `seed`: deterministic, 12 characters, and always passes
 * Cognito's default policy (upper, lower, digit, symbol, 8+).
 * @example seededPassword(1, 1) // the same string on every run
 */
export function seededPassword(seed: number, index: number): string {
  const random = prng(mix(mix(seed, 0x70617373), index));
  const upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  const lower = "abcdefghijkmnopqrstuvwxyz";
  const digits = "23456789";
  const symbols = "!#%&*+-=?@_";
  let password = pick(random, [...upper]);
  for (let i = 0; i < 6; i++) password += pick(random, [...lower]);
  password += pick(random, [...digits]) + pick(random, [...digits]) + pick(random, [...symbols]);
  password += pick(random, [...lower]) + pick(random, [...digits]);
  return password;
}

/** Which state seeded user `index` is in: about 80% active, 7% never logged in, 8% pending, 5% disabled. */
export function seededState(seed: number, index: number): SeededState {
  // The first four users cover every state, so even a tiny seed has one of each.
  const fixed: Record<number, SeededState> = {
    1: "active",
    2: "never-logged-in",
    3: "pending",
    4: "disabled",
  };
  const forced = fixed[index];
  if (forced) return forced;
  const roll = prng(mix(seed, index))();
  if (roll < 0.8) return "active";
  if (roll < 0.87) return "never-logged-in";
  if (roll < 0.95) return "pending";
  return "disabled";
}

export interface SeedTarget {
  readonly store: EmulatorStore;
  readonly customUserData: { readonly collection: string; readonly userIdField: string } | false;
}

/**
 * Writes `count` deterministic users in transactions of 10,000, yielding to the event loop between
 * them. Seeding again is harmless: users that exist are left as they are.
 */
export async function seedUsers(target: SeedTarget, options: SeedOptions): Promise<SeedSummary> {
  const seed = options.seed ?? 1;
  if (!Number.isInteger(options.count) || options.count < 0) {
    throw new TypeError("seed count must be a non-negative integer");
  }
  const byState: Record<string, number> = { active: 0, "never-logged-in": 0, pending: 0, disabled: 0 };
  const firstOf = new Map<SeededState, number[]>();
  for (let start = 1; start <= options.count; start += BATCH) {
    const end = Math.min(options.count, start + BATCH - 1);
    target.store.transaction(() => {
      for (let index = start; index <= end; index++) {
        const state = writeSeededUser(target, seed, index);
        byState[state] = (byState[state] ?? 0) + 1;
        const seen = firstOf.get(state) ?? [];
        if (seen.length < (state === "active" ? 3 : 1)) firstOf.set(state, [...seen, index]);
      }
    });
    if (end < options.count) await new Promise((resolve) => setImmediate(resolve));
  }
  const demoUsers = [...firstOf.entries()]
    .flatMap(([state, indexes]) => indexes.map((index) => ({ index, state })))
    .sort((a, b) => a.index - b.index)
    .map(({ index, state }) => ({ email: seededEmail(index), password: seededPassword(seed, index), state }));
  return { count: options.count, byState, demoUsers };
}

function writeSeededUser(target: SeedTarget, seed: number, index: number): SeededState {
  const state = seededState(seed, index);
  const random = prng(mix(mix(seed, 0x75736572), index));
  const email = seededEmail(index);
  const registeredAt = Math.floor(SEED_END_MS - random() * TWO_YEARS_MS);
  const accountId = objectIdFrom(registeredAt, hex16(random));
  const passwordHash = hashPassword(seededPassword(seed, index), hex16(random));
  const hasUser = state === "active" || state === "disabled";
  const firstLoginAt =
    registeredAt + Math.floor(random() * Math.min(2 * 86_400_000, SEED_END_MS - registeredAt));
  const lastLoginAt = firstLoginAt + Math.floor(random() * (SEED_END_MS - firstLoginAt));
  const userId = hasUser ? objectIdFrom(firstLoginAt, hex16(random)) : null;
  const inserted = target.store.insertAccount({
    id: accountId,
    email,
    password_hash: passwordHash,
    confirmed: state === "pending" ? 0 : 1,
    user_id: userId,
    created_at: registeredAt,
  });
  if (!inserted || userId === null) return state;
  target.store.insertUser({
    id: userId,
    account_id: accountId,
    email,
    creation_date: Math.floor(firstLoginAt / 1000),
    last_authentication_date: Math.floor(lastLoginAt / 1000),
    disabled: state === "disabled" ? 1 : 0,
  });
  const config = target.customUserData;
  if (config !== false) {
    const documentId = objectIdFrom(firstLoginAt, hex16(random));
    const document = {
      _id: documentId,
      [config.userIdField]: userId,
      email,
      name: `${pick(random, FIRST_NAMES)} ${pick(random, LAST_NAMES)}`,
      plan: pick(random, PLANS),
      locale: pick(random, LOCALES),
    };
    target.store.insertDocument(documentId, config.collection, userId, JSON.stringify(document));
  }
  return state;
}
