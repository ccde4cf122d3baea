/** Time, behind one small interface so tests can hand in their own. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The machine's clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A clock that reads its time from `at` (a test's fixed or moving moment) and really sleeps.
 * @example ImportLedger.open(file, { clock: clockAt(() => new Date("2026-11-27T09:00:00Z")) })
 */
export function clockAt(at: () => Date): Clock {
  return { now: () => at().getTime(), sleep: systemClock.sleep };
}
