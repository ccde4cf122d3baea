import { emailKey } from "@realm-to-cognito/core";

/**
 * Token buckets keyed by a string (an email key, a client address), held in memory: the limit is per
 * warm Lambda container, not global. Put a WAF rate rule or API Gateway throttling in front for a global
 * limit; this one stops a single caller from hammering one container.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: {
      /** Requests allowed in a burst. */
      readonly capacity: number;
      /** Tokens regained per minute. */
      readonly perMinute: number;
      readonly now?: () => number;
      /** Keys kept at most; the oldest are dropped first. */
      readonly maxKeys?: number;
    },
  ) {}

  /** Takes one token for `key`; false when the bucket is empty. */
  take(key: string): boolean {
    const now = (this.options.now ?? Date.now)();
    const { capacity, perMinute } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    const allowed = tokens >= 1;
    this.buckets.delete(key); // re-insert so iteration order is least recently used first
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    this.evict();
    return allowed;
  }

  private evict(): void {
    const maxKeys = this.options.maxKeys ?? 10_000;
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= maxKeys) return;
      this.buckets.delete(key);
    }
  }
}

/** The two limits each migration endpoint charges: one per email, one per caller address. */
export interface EndpointLimits {
  readonly perEmail: RateLimiter;
  readonly perAddress: RateLimiter;
}

/**
 * Charges both buckets, so one caller cannot spread requests over emails nor one email over callers;
 * true when both still had a token.
 */
export function withinLimits(limits: EndpointLimits, address: string, email: string): boolean {
  const addressAllowed = limits.perAddress.take(address);
  const emailAllowed = limits.perEmail.take(emailKey(email));
  return addressAllowed && emailAllowed;
}
