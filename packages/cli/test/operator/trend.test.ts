import { describe, expect, it } from "vitest";
import { renderTrend, sparkline } from "../../src/operator/trend.js";

describe("the status trend", () => {
  it("draws the busiest day as a full bar and an empty day as a dot", () => {
    expect(sparkline([0, 4, 8])).toBe("·▄█");
  });

  it("shows one column a day ending today, with totals and the peak", () => {
    const text = renderTrend(
      [
        { day: "2026-11-20", withPassword: 3, imported: 0 },
        { day: "2026-11-26", withPassword: 12, imported: 500 },
        { day: "2026-09-01", withPassword: 7, imported: 0 },
      ],
      { days: 10, now: new Date("2026-11-27T10:00:00Z") },
    );
    const lines = text.split("\n");
    expect(lines[0]).toContain("2026-11-18 … 2026-11-27");
    const withPassword = lines[1]!;
    expect(withPassword).toMatch(/^with password [·▁▂▃▄▅▆▇█]{10} {2}total 15, peak 12 on 2026-11-26$/);
    expect(lines[2]).toContain("total 500, peak 500 on 2026-11-26");
    expect(lines[3]).toBe("(7 earlier migrations not shown)");
  });
});
