import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoStep, formatDemoTable, runDemoSteps } from "../../src/demo.js";
import { type SandboxWorld, startSandboxWorld } from "../../src/world.js";

describe("the demo's steps (npm run demo)", () => {
  let world: SandboxWorld;

  beforeAll(async () => {
    world = await startSandboxWorld({ mode: "realm-primary", seedUsers: 50, handlerOutput: null });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("all behave as expected on a realm-primary world", async () => {
    const rows = await runDemoSteps(world);
    expect(rows.filter((row) => !row.ok)).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(8);
  });

  it("reports a step whose outcome is not the expected one as FAILED, and runs the next", async () => {
    const steps: DemoStep[] = [
      {
        title: "A step that finds a surprise",
        expected: "nothing",
        run: async () => {
          throw new Error("surprise");
        },
      },
      { title: "A step after it", expected: "runs", run: async () => "ran" },
    ];
    const rows = await runDemoSteps(world, steps);
    expect(rows.map((row) => row.ok)).toEqual([false, true]);
    expect(formatDemoTable(rows)).toMatch(/1 +A step that finds a surprise +FAILED/);
  });
});
