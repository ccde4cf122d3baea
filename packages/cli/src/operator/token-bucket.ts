/** Time source, so tests can drive the bucket without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const CATCH_UP_MS = 25;

/**
 * Holds a sustained rate (tokens a second) with a small burst. `take()` resolves when a token is free.
 * Kept as a schedule of theoretical arrival times (GCRA) rather than a refilled counter: a timer that
 * fires late makes the next wait shorter instead of losing the time, so the long-run rate stays exact.
 * @example const bucket = new TokenBucket({ ratePerSecond: 14 }); await bucket.take();
 */
export class TokenBucket {
  private readonly interval: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private nextAt: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: { ratePerSecond: number; burst?: number; clock?: Clock }) {
    if (!(options.ratePerSecond > 0)) throw new TypeError("TokenBucket needs a rate above 0");
    this.interval = 1000 / options.ratePerSecond;
    this.burst = Math.max(1, Math.floor(options.burst ?? 1));
    this.clock = options.clock ?? systemClock;
    this.nextAt = this.clock.now();
  }

  /** Waits for one token; concurrent callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    const now = this.clock.now();
    // A schedule behind the clock may catch up for a few milliseconds (late timers, a slow step in the
    // caller) but no more: after idle time it restarts from now, with at most `burst` tokens at once.
    const earliest = now - Math.max((this.burst - 1) * this.interval, CATCH_UP_MS);
    if (this.nextAt < earliest) this.nextAt = earliest;
    if (this.nextAt > now) await this.clock.sleep(this.nextAt - now);
    this.nextAt += this.interval;
  }
}
