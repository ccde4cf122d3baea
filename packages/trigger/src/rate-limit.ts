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

/** The limits each migration endpoint charges, in this order. */
export interface EndpointLimits {
  /** Per caller address: one caller cannot spread requests over many accounts. */
  readonly perAddress: RateLimiter;
  /** Per caller address and account: one caller cannot spend an account's budget alone. */
  readonly perAddressAndEmail?: RateLimiter;
  /** Per account, all callers together: many callers cannot pile on one account. */
  readonly perEmail: RateLimiter;
}

/**
 * The source is checked first, and a refused source charges nothing more; then the source's own
 * allowance for this account, then the account's. A caller can therefore spend at most its own share
 * of an account's budget (5 a minute against the account's 10): draining a user takes several
 * addresses, and the gateway's global limit bounds how many. True when every stage allowed.
 */
export function withinLimits(limits: EndpointLimits, address: string, email: string): boolean {
  const key = emailKey(email);
  if (!limits.perAddress.take(address)) return false;
  if (limits.perAddressAndEmail && !limits.perAddressAndEmail.take(`${address} ${key}`)) return false;
  return limits.perEmail.take(key);
}

/**
 * Per-container limits of the migration endpoints: per address 30 a burst then 30 a minute (checked
 * first), per address and account 5/5, per account 10/10; each holds at most `maxKeys` keys.
 */
export function buildRateLimits(maxKeys = 10_000): EndpointLimits {
  return {
    perAddress: new RateLimiter({ capacity: 30, perMinute: 30, maxKeys }),
    perAddressAndEmail: new RateLimiter({ capacity: 5, perMinute: 5, maxKeys }),
    perEmail: new RateLimiter({ capacity: 10, perMinute: 10, maxKeys }),
  };
}
