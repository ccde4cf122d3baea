import { describe, expect, it } from "vitest";
import type { Clock } from "../src/clock.js";
import { LONE_CALLER_CATCH_UP_MS, TokenBucket } from "../src/rate.js";

/** A clock that only moves when someone sleeps on it (plus `lateMs`, as a busy event loop would) or works. */
function fakeClock(lateMs = 0): Clock & { work(ms: number): void; slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms + lateMs;
    },
    work: (ms) => {
      now += ms;
    },
  };
}

describe("the token bucket", () => {
  it("spaces takes at the configured rate on a fake clock", async () => {
    const clock = fakeClock();
    const started = clock.now();
    const bucket = new TokenBucket(4, { burst: 1, catchUpMs: LONE_CALLER_CATCH_UP_MS, clock });
    for (let i = 0; i < 9; i++) await bucket.take();
    expect(clock.now() - started).toBeCloseTo(2000, 5); // first token free, then 8 more at 250 ms
  });

  it("grants `burst` takes at once after an idle spell, by default 20 ms worth of the rate", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(200, { clock }); // 4 at once, then one every 5 ms
    clock.work(1000);
    for (let i = 0; i < 4; i++) await bucket.take();
    expect(clock.slept).toEqual([]);
    await bucket.take();
    expect(clock.slept).toEqual([5]);

    const single = fakeClock();
    const one = new TokenBucket(200, { burst: 1, clock: single });
    single.work(1000);
    await one.take();
    await one.take();
    expect(single.slept).toEqual([5]);
  });

  it("keeps a lone caller whose timers fire late at its rate when it may catch up, and drifts when not", async () => {
    // 40/s; every sleep ends 3 ms late and each send takes 24 ms, so the caller is back after its next slot.
    const run = async (catchUpMs: number): Promise<number> => {
      const clock = fakeClock(3);
      const started = clock.now();
      const bucket = new TokenBucket(40, { burst: 1, catchUpMs, clock });
      for (let i = 0; i < 41; i++) {
        await bucket.take();
        clock.work(24);
      }
      return clock.now() - started - 24;
    };
    expect(await run(LONE_CALLER_CATCH_UP_MS)).toBeLessThanOrEqual(1005); // 40 intervals of 25 ms
    expect(await run(0)).toBeGreaterThanOrEqual(1030); // control: the lateness is lost, every other take
  });

  it("after an idle spell grants no more than burst at once, even with catch-up", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(4, { burst: 1, catchUpMs: LONE_CALLER_CATCH_UP_MS, clock });
    await bucket.take();
    clock.work(10_000);
    await bucket.take();
    await bucket.take();
    expect(clock.slept).toEqual([250 - LONE_CALLER_CATCH_UP_MS]);
  });

  it("pushes later slots back when the service says we were too fast", async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, { burst: 1, clock });
    await bucket.take();
    bucket.penalize(1000);
    await bucket.take();
    expect(clock.slept).toEqual([1100]);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => new TokenBucket(0)).toThrow(TypeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(TypeError);
  });

  it("holds the rate on the system clock with takes in flight at once", async () => {
    const bucket = new TokenBucket(40, { burst: 1 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 11 }, () => bucket.take()));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(240); // 10 intervals of 25 ms
    expect(elapsed).toBeLessThan(1000);
  });
});
