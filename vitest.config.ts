import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./vitest-summary-reporter.ts"],
    // The AWS SDK warns once per process that releases after January 2027 need Node 22; with
    // dozens of forked workers and CLI children that buries real failures in the CI log. The
    // pinned SDK in package-lock.json runs on Node 20, which is what the tests check.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
