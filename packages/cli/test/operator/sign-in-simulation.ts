// A deterministic simulation of an app's users signing in, for checking the forecast against an outcome
// it did not see. The generative process is NOT the forecast's model: rates are log-normal, and a share of
// users churn (stop for good at a random moment), as real apps do.

import { prng } from "@realm-to-cognito/sandbox";

const DAY = 86_400_000;

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface SimulatedUser {
  readonly key: string;
  readonly email: string;
  /** Sign-in times (ms), ascending, from account creation to the end of the simulation. */
  readonly signIns: readonly number[];
}

export interface SimulationOptions {
  readonly users: number;
  readonly seed: number;
  /** Phase 1 starts here (ms); sign-ins before it do not migrate. */
  readonly phaseOneStart: number;
  /** The simulation runs until here (ms). */
  readonly end: number;
  /** Median sign-ins a week of an active user; default 0.5. */
  readonly medianPerWeek?: number;
  /** Share of users who churn at some point; default 0.35. */
  readonly churnShare?: number;
}

/** Simulates each user's sign-ins from account creation (up to two years before phase 1) to `end`. */
export function simulateSignIns(options: SimulationOptions): SimulatedUser[] {
  const random = prng(options.seed);
  const median = (options.medianPerWeek ?? 0.5) / (7 * DAY);
  const churnShare = options.churnShare ?? 0.35;
  const users: SimulatedUser[] = [];
  for (let i = 0; i < options.users; i++) {
    const createdAt = options.phaseOneStart - random() * 730 * DAY;
    const rate = median * Math.exp(1.2 * normal(random)); // per ms, log-normal across users
    const stopsAt = random() < churnShare ? createdAt + random() * (options.end - createdAt) : options.end;
    const signIns: number[] = [createdAt];
    let t = createdAt;
    for (;;) {
      t += -Math.log(Math.max(random(), 1e-12)) / rate;
      if (t >= stopsAt) break;
      signIns.push(t);
    }
    users.push({ key: `u${i}`, email: `user${i}@example.com`, signIns });
  }
  return users;
}

/** The last sign-in at or before `at`. */
export function lastSignInBefore(user: SimulatedUser, at: number): number | undefined {
  let last: number | undefined;
  for (const t of user.signIns) {
    if (t > at) break;
    last = t;
  }
  return last;
}

/** True when the user signed in within [from, to]: in phase 1 that migrates them. */
export function signedInBetween(user: SimulatedUser, from: number, to: number): boolean {
  return user.signIns.some((t) => t >= from && t <= to);
}
