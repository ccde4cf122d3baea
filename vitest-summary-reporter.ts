// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read, with
// ", N unhandled errors" appended when Vitest caught errors outside any test (they fail the run).
// A test file that fails outside its tests (a beforeAll that throws, say, because Chromium is missing)
// counts as failed even when Vitest marks its tests skipped, and its error is named above the line.
import type { Reporter, SerializedError, TestModule } from "vitest/node";

export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failedOutsideTests: string[] = [];
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") failedTests++;
        else counts.skipped++;
      }
      counts.failed += failedTests;
      if (module.state() === "failed" && failedTests === 0) {
        counts.failed++;
        const reason = module.errors()[0]?.message?.split("\n")[0] ?? "failed outside its tests";
        failedOutsideTests.push(`${module.relativeModuleId}: ${reason}`);
      }
    }
    const errors =
      unhandledErrors.length === 0
        ? ""
        : `, ${unhandledErrors.length} unhandled error${unhandledErrors.length === 1 ? "" : "s"}`;
    const suites = failedOutsideTests.map((line) => `failed outside its tests: ${line}\n`).join("");
    process.stdout.write(
      `\n${suites}tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${errors}\n`,
    );
  }
}
