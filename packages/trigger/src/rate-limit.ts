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
  const source = sourceKey(address);
  if (!limits.perAddress.take(source)) return false;
  if (limits.perAddressAndEmail && !limits.perAddressAndEmail.take(`${source} ${key}`)) return false;
  return limits.perEmail.take(key);
}

/**
 * The source a per-address bucket is kept for. An IPv6 caller is charged per /64: one subscriber holds a
 * whole /64 (2^64 addresses), and a bucket per address would give it a fresh bucket per request. An
 * IPv4-mapped IPv6 address counts as its IPv4 address.
 * @example sourceKey("2001:db8:1:2::7") // "2001:db8:1:2::/64"
 */
export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const groups = head === "" ? [] : head.split(":");
  // With "::", the prefix is what precedes it, padded with zero groups; the tail never reaches the /64
  // unless the head is short, then its groups follow the zeros.
  if (tail !== undefined) {
    const rest = tail === "" ? [] : tail.split(":");
    const zeros = Math.max(0, 8 - groups.length - rest.length);
    groups.push(...Array.from({ length: zeros }, () => "0"), ...rest);
  }
  const prefix = groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
  return `${prefix.join(":")}::/64`;
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
