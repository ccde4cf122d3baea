import { type Clock, systemClock } from "./clock.js";

export interface TokenBucketOptions {
  /** Requests granted at once after an idle spell; default 20 ms worth of the rate, at least 1. */
  readonly burst?: number;
  /**
   * How far behind the clock a caller may claim a slot it missed (a timer that fired late, a slow step
   * between two takes); default 0. A lone caller (notify at concurrency 1) needs it to keep the rate
   * exact; callers that keep takes queued (the import's workers) do not.
   */
  readonly catchUpMs?: number;
  readonly clock?: Clock;
}

/** The catch-up a lone caller gets: covers late timers and a send between two takes. */
export const LONE_CALLER_CATCH_UP_MS = 25;

/**
 * A token bucket on a virtual schedule (GCRA): each `take()` is granted the next free slot, `1/rate`
 * seconds after the previous one, with up to `burst` slots granted at once after an idle spell. Slots are
 * handed out in call order when `take()` is called, so the sustained rate is exact however many callers
 * wait; a timer that fires late makes no later slot later.
 * @example const bucket = new TokenBucket(40); await bucket.take(); // at most 40 a second
 */
export class TokenBucket {
  readonly rate: number;
  private readonly interval: number;
  // How far the schedule may lag behind the clock before it restarts from the clock.
  private readonly tolerance: number;
  private readonly clock: Clock;
  private next: number;

  constructor(ratePerSecond: number, options: TokenBucketOptions = {}) {
    if (!(ratePerSecond > 0)) throw new TypeError("TokenBucket needs a positive rate");
    this.rate = ratePerSecond;
    this.interval = 1000 / ratePerSecond;
    const burst = Math.max(1, Math.floor(options.burst ?? Math.ceil(ratePerSecond / 50)));
    this.tolerance = Math.max((burst - 1) * this.interval, options.catchUpMs ?? 0);
    this.clock = options.clock ?? systemClock;
    this.next = this.clock.now();
  }

  /** Resolves when the caller may make one request. */
  take(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(this.next, now - this.tolerance);
    this.next = slot + this.interval;
    const wait = slot - now;
    return wait <= 0.5 ? Promise.resolve() : this.clock.sleep(wait);
  }

  /** Pushes every later slot back, after the service said we were too fast. */
  penalize(ms: number): void {
    this.next = Math.max(this.next, this.clock.now()) + ms;
  }
}

export function sleep(ms: number): Promise<void> {
  return systemClock.sleep(ms);
}

/** Names of AWS errors, whether the SDK threw them or a fake did. */
export function awsErrorName(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const named = error as { name?: unknown; code?: unknown; Code?: unknown };
    for (const candidate of [named.name, named.code, named.Code])
      if (typeof candidate === "string" && candidate !== "" && candidate !== "Error") return candidate;
  }
  return "Error";
}

/**
 * Whether a Cognito error is worth retrying: throttling (TooManyRequestsException, and the throttling
 * flavour of LimitExceededException) and server or network failures. The daily email quota also comes
 * as LimitExceededException; waiting seconds cannot help it, so it is not retried.
 */
export function isRetryableCognitoError(error: unknown): boolean {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : "";
  if (name === "TooManyRequestsException" || name === "ThrottlingException") return true;
  if (name === "LimitExceededException") return !/daily|email|sms|message/i.test(message);
  if (name === "InternalErrorException" || name === "ServiceUnavailable" || name === "InternalServerError")
    return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (typeof status === "number" && status >= 500) return true;
  return ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "TimeoutError", "AbortError"].includes(name);
}

export function isThrottle(error: unknown): boolean {
  const name = awsErrorName(error);
  return (
    name === "TooManyRequestsException" || name === "ThrottlingException" || name === "LimitExceededException"
  );
}

export interface RetryOptions {
  readonly maxAttempts: number;
  /** First backoff in ms (default 200); doubles each attempt up to `capMs` (default 10 s), full jitter. */
  readonly baseMs?: number;
  readonly capMs?: number;
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait, e.g. to slow a bucket down. */
  readonly onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  readonly random?: () => number;
}

/** Runs `call`, retrying what `isRetryable` allows with exponential backoff and full jitter. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.isRetryable ?? isRetryableCognitoError;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.maxAttempts || !retryable(error)) throw error;
      const ceiling = Math.min(options.capMs ?? 10_000, (options.baseMs ?? 200) * 2 ** (attempt - 1));
      const wait = Math.max(1, Math.floor(random() * ceiling));
      options.onRetry?.(error, attempt, wait);
      await sleep(wait);
    }
  }
}

/**
 * Runs `work` on every item with at most `concurrency` in flight, pulling lazily from `items` (so a
 * generator over a million rows costs memory for `concurrency` of them).
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failure: unknown;
  let done = false;
  const worker = async (): Promise<void> => {
    while (!done && failure === undefined) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      try {
        await work(next.value);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure !== undefined) throw failure;
}
