// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read,
// with ", N unhandled errors" appended when Vitest caught errors outside any test (they fail the run).
import type { Reporter, SerializedError, TestModule } from "vitest/node";

export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      if (module.state() === "failed" && [...module.children.allTests()].length === 0) counts.failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
    }
    const errors =
      unhandledErrors.length === 0
        ? ""
        : `, ${unhandledErrors.length} unhandled error${unhandledErrors.length === 1 ? "" : "s"}`;
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${errors}\n`,
    );
  }
}
