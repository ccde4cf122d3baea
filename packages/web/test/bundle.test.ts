import { describe, expect, it } from "vitest";
import { measureWebBundles } from "../../../bench/web-bundle.js";

describe("the browser bundle", () => {
  it("stays under 25 kB gzipped with Cognito over fetch, and far below the SDK build", async () => {
    const sizes = await measureWebBundles();
    expect(sizes.fetch.gzipped).toBeLessThan(25 * 1024);
    expect(sizes.sdk.gzipped).toBeGreaterThan(sizes.fetch.gzipped * 3);
  });
});
