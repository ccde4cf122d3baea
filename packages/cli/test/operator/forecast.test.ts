import { prng } from "@realm-to-cognito/sandbox";
import { describe, expect, it } from "vitest";
import {
  type ForecastUser,
  fitRecencies,
  forecastPhaseOne,
  formatForecast,
  signInProbability,
  usersLeftAtSwitch,
} from "../../src/operator/forecast.js";
import { lastSignInBefore, signedInBetween, simulateSignIns } from "./sign-in-simulation.js";

const DAY = 86_400_000;
const WEEK = 7 * DAY;

describe("the phase 1 forecast", () => {
  it("recovers the Gamma rate parameters from recencies drawn from the model itself", () => {
    const random = prng(7);
    const recencies: number[] = [];
    // Lomax(α = 1.5, β = 20) by inversion, truncated at 180 days.
    while (recencies.length < 20_000) {
      const r = 20 * ((1 - random()) ** (-1 / 1.5) - 1);
      if (r <= 180) recencies.push(r);
    }
    const fit = fitRecencies(recencies, 180);
    expect(fit.shape).toBeGreaterThan(1.3);
    expect(fit.shape).toBeLessThan(1.7);
    expect(fit.scaleDays).toBeGreaterThan(16);
    expect(fit.scaleDays).toBeLessThan(24);
  });

  it("gives a recent user a higher chance to sign in than a long-absent one", () => {
    expect(signInProbability(1, 28, 1, 20)).toBeGreaterThan(signInProbability(90, 28, 1, 20));
    expect(signInProbability(10, 0, 1, 20)).toBe(0);
  });

  it("predicts the simulated migration within 10 % at 4, 8 and 12 weeks", () => {
    const phaseOneStart = Date.UTC(2026, 0, 5);
    const asOf = phaseOneStart + 2 * WEEK; // forecast two weeks into phase 1
    const end = asOf + 12 * WEEK;
    const simulated = simulateSignIns({ users: 6_000, seed: 42, phaseOneStart, end });
    const users: ForecastUser[] = simulated.map((u) => ({
      key: u.key,
      email: u.email,
      lastSignInAt: lastSignInBefore(u, asOf),
      migrated: signedInBetween(u, phaseOneStart, asOf),
    }));
    const forecast = forecastPhaseOne(users, { asOf, weeks: [4, 8, 12] });
    const already = forecast.totals.alreadyMigrated;
    const errors = forecast.curve.map((point) => {
      const actual = simulated.filter((u) =>
        signedInBetween(u, phaseOneStart, asOf + point.week * WEEK),
      ).length;
      const error = Math.abs(point.expectedMigrated - actual) / actual;
      // The harder figure: error on the users still to come, excluding those already migrated.
      const errorOnNew = Math.abs(point.expectedMigrated - actual) / (actual - already);
      return { week: point.week, forecast: point.expectedMigrated, actual, error, errorOnNew };
    });
    console.log(
      `forecast vs simulation (6,000 users, ${already} migrated before the forecast): ${errors
        .map(
          (e) =>
            `week ${e.week}: ${e.forecast.toFixed(0)} vs ${e.actual} (${(e.error * 100).toFixed(1)} % of all migrated, ${(e.errorOnNew * 100).toFixed(1)} % of those still to come)`,
        )
        .join("; ")}`,
    );
    for (const e of errors) {
      expect(e.error).toBeLessThan(0.1);
      expect(e.errorOnNew).toBeLessThan(0.25);
    }
    expect(formatForecast(forecast)).toContain("Assumptions:");
  });

  it("lists who is left for phase 2: never signed in and dormant first, then the unlikely", () => {
    const asOf = Date.UTC(2026, 5, 1);
    const users: ForecastUser[] = [
      { key: "daily", email: "d@example.com", lastSignInAt: asOf - DAY, migrated: false },
      { key: "gone", email: "g@example.com", lastSignInAt: asOf - 400 * DAY, migrated: false },
      { key: "never", email: "n@example.com", lastSignInAt: undefined, migrated: false },
      { key: "rare", email: "r@example.com", lastSignInAt: asOf - 150 * DAY, migrated: false },
      { key: "moved", email: "m@example.com", lastSignInAt: asOf - 2 * DAY, migrated: true },
      ...Array.from({ length: 50 }, (_, i) => ({
        key: `p${i}`,
        email: `p${i}@example.com`,
        lastSignInAt: asOf - (i % 20) * DAY,
        migrated: i % 2 === 0,
      })),
    ];
    const forecast = forecastPhaseOne(users, { asOf, weeks: [2, 4], switchAfterWeeks: 2 });
    const left = usersLeftAtSwitch(users, forecast);
    expect(
      left
        .slice(0, 2)
        .map((u) => u.kind)
        .sort(),
    ).toEqual(["dormant", "never-signed-in"]);
    expect(left.map((u) => u.key)).toContain("rare");
    expect(left.map((u) => u.key)).not.toContain("daily");
    expect(left.map((u) => u.key)).not.toContain("moved");
    expect(left.length).toBe(forecast.likelyLeftAtSwitch);
  });
});
