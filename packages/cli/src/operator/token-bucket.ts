/** Time source, so tests can drive the bucket without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Holds a sustained rate (tokens a second) with a small burst. `take()` resolves when a token is free.
 * @example const bucket = new TokenBucket({ ratePerSecond: 14 }); await bucket.take();
 */
export class TokenBucket {
  private readonly rate: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: { ratePerSecond: number; burst?: number; clock?: Clock }) {
    if (!(options.ratePerSecond > 0)) throw new TypeError("TokenBucket needs a rate above 0");
    this.rate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? 1);
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** Waits for one token; concurrent callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(((1 - this.tokens) / this.rate) * 1000);
    }
  }
}
