import { emailKey } from "@realm-to-cognito/core";

/**
 * Token buckets keyed by a string (an email key, a client address), held in memory: the limit is per
 * warm Lambda container, not global (the global limit is the API gateway's throttling).
 *
 * Memory is bounded without ever handing an attacker a fresh bucket: when `maxKeys` buckets are held,
 * only buckets that have refilled to capacity are dropped (forgetting a full bucket changes nothing, a
 * forgotten key starts full anyway). When none is full, a key not yet held is refused: a flood of junk
 * keys can make new keys wait, never reset a bucket someone has drained.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: {
      /** Requests allowed in a burst. */
      readonly capacity: number;
      /** Tokens regained per minute. */
      readonly perMinute: number;
      readonly now?: () => number;
      /** Keys held at most; default 10,000. */
      readonly maxKeys?: number;
    },
  ) {}

  /** Keys currently held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; false when its bucket is empty, or when it has none and none can be made. */
  take(key: string): boolean {
    const now = this.now();
    const held = this.buckets.get(key);
    if (held === undefined && !this.roomForOneMore(now)) return false;
    const tokens = held === undefined ? this.options.capacity : this.refilled(held, now);
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }

  private roomForOneMore(now: number): boolean {
    if (this.buckets.size < this.maxKeys()) return true;
    // Sweeping is O(keys): at most once a second, so a flood of new keys costs little each.
    if (now - this.lastSweep < 1000) return false;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets)
      if (this.refilled(bucket, now) >= this.options.capacity) this.buckets.delete(key);
    return this.buckets.size < this.maxKeys();
  }

  private refilled(bucket: { tokens: number; at: number }, now: number): number {
    const { capacity, perMinute } = this.options;
    return Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 60_000) * perMinute);
  }

  private maxKeys(): number {
    return this.options.maxKeys ?? 10_000;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The two limits each migration endpoint charges: one per caller address, one per email. */
export interface EndpointLimits {
  readonly perAddress: RateLimiter;
  readonly perEmail: RateLimiter;
}

/**
 * The source is checked first, and a refused source charges no account: a third party over its own
 * limit cannot drain a user's budget. A source within its limit then charges the account, so one caller
 * cannot spread requests over many accounts faster than its own limit, nor many callers pile on one
 * account beyond the account's. True when both allowed.
 */
export function withinLimits(limits: EndpointLimits, address: string, email: string): boolean {
  if (!limits.perAddress.take(address)) return false;
  return limits.perEmail.take(emailKey(email));
}

/** Per-container limits of the migration endpoints: 30 a burst then 30 a minute per address (checked first), 5/5 per email. */
export function buildRateLimits(): EndpointLimits {
  return {
    perEmail: new RateLimiter({ capacity: 5, perMinute: 5 }),
    perAddress: new RateLimiter({ capacity: 30, perMinute: 30 }),
  };
}
