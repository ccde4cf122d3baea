import { AdminClient, AuthClient } from "@realm-to-cognito/realm";
import {
  type AppServicesEmulator,
  seededEmail,
  seededPassword,
  seededState,
  startAppServicesEmulator,
} from "@realm-to-cognito/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ForecastUser, forecastPhaseOne } from "../../src/operator/forecast.js";
import { lastSignInBefore, simulateSignIns } from "./sign-in-simulation.js";

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const SEED = 11;
const SEEDED = 900;
const PHASE_ONE_START = Date.UTC(2026, 0, 5);
const AS_OF = PHASE_ONE_START + 2 * WEEK;
const HORIZONS = [4, 8, 12];

let clock = PHASE_ONE_START;
let realm: AppServicesEmulator;
let auth: AuthClient;
let admin: AdminClient;

beforeAll(async () => {
  realm = await startAppServicesEmulator({ now: () => clock });
  await realm.seed({ count: SEEDED, seed: SEED });
  auth = new AuthClient({ appId: realm.appId, baseUrl: realm.baseUrl });
  admin = new AdminClient({
    groupId: realm.groupId,
    appObjectId: realm.appObjectId,
    publicKey: realm.apiKey.publicKey,
    privateKey: realm.apiKey.privateKey,
    baseUrl: realm.adminBaseUrl,
  });
});
afterAll(async () => {
  await realm?.stop();
});

async function signInAt(at: number, index: number): Promise<void> {
  clock = at;
  await auth.login(seededEmail(index), seededPassword(SEED, index));
}

/** Users the Admin API shows as signed in since phase 1 began: in production, those now in Cognito. */
async function migratedSoFar(): Promise<number> {
  let count = 0;
  for await (const user of admin.users()) {
    if (!user.disabled && (user.lastAuthenticationDate ?? 0) * 1000 >= PHASE_ONE_START) count++;
  }
  return count;
}

describe("the phase 1 forecast against sign-ins through the App Services emulator", () => {
  it("predicts the users migrated after 4, 8 and 12 weeks within 15 %", async () => {
    const active = Array.from({ length: SEEDED }, (_, i) => i + 1).filter(
      (i) => seededState(SEED, i) === "active",
    );
    const simulated = simulateSignIns({
      users: active.length,
      seed: 5,
      phaseOneStart: PHASE_ONE_START,
      end: AS_OF + 12 * WEEK,
    });

    // The past: each user's last sign-in before the forecast is what Realm remembers.
    const past = simulated
      .map((u, i) => ({ at: lastSignInBefore(u, AS_OF)!, index: active[i]! }))
      .sort((a, b) => a.at - b.at);
    for (const { at, index } of past) await signInAt(at, index);
    clock = AS_OF;

    // The forecast sees only what the Admin API tells (and who has migrated so far).
    const users: ForecastUser[] = [];
    for await (const user of admin.users()) {
      if (user.disabled) continue;
      const last = user.lastAuthenticationDate === undefined ? undefined : user.lastAuthenticationDate * 1000;
      users.push({
        key: user.id,
        email: String(user.data.email ?? user.id),
        lastSignInAt: last,
        migrated: (last ?? 0) >= PHASE_ONE_START,
      });
    }
    const forecast = forecastPhaseOne(users, { asOf: AS_OF, weeks: HORIZONS });

    // The future: the first sign-in after the forecast migrates each user; count at each horizon.
    const future = simulated
      .map((u, i) => ({ at: u.signIns.find((t) => t > AS_OF), index: active[i]! }))
      .filter((s): s is { at: number; index: number } => s.at !== undefined)
      .sort((a, b) => a.at - b.at);
    const outcome: Array<{ week: number; forecast: number; actual: number }> = [];
    let next = 0;
    for (const week of HORIZONS) {
      const until = AS_OF + week * WEEK;
      while (next < future.length && future[next]!.at <= until) {
        await signInAt(future[next]!.at, future[next]!.index);
        next++;
      }
      clock = until;
      const point = forecast.curve.find((p) => p.week === week)!;
      outcome.push({ week, forecast: point.expectedMigrated, actual: await migratedSoFar() });
    }
    const already = forecast.totals.alreadyMigrated;
    console.log(
      `forecast vs emulator (${users.length} users, ${already} migrated before the forecast): ${outcome
        .map(
          (o) =>
            `week ${o.week}: ${o.forecast.toFixed(0)} vs ${o.actual} (${((Math.abs(o.forecast - o.actual) / o.actual) * 100).toFixed(1)} % of all migrated, ${((Math.abs(o.forecast - o.actual) / (o.actual - already)) * 100).toFixed(1)} % of those still to come)`,
        )
        .join("; ")}`,
    );
    for (const o of outcome) expect(Math.abs(o.forecast - o.actual) / o.actual).toBeLessThan(0.15);
  });
});
