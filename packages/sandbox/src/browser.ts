import { existsSync } from "node:fs";
import { MigrationError } from "@realm-to-cognito/core";

/** No Chromium where the browser tests look for it: says how to get one instead of failing in setup. */
export class ChromiumMissingError extends MigrationError<"CHROMIUM_MISSING"> {
  readonly executablePath: string;

  constructor(executablePath: string) {
    super(
      "CHROMIUM_MISSING",
      `No Chromium at ${executablePath}: the browser tests need one. Install Debian's with ` +
        "`apt-get install chromium` (what .ci/run does), or set CHROMIUM_PATH to a Chromium executable.",
    );
    this.executablePath = executablePath;
  }
}

/**
 * How the tests start Debian's Chromium headless (playwright-core's `launch` options): no sandbox as
 * root, and no background networking, which this machine's closed network refuses many times a start.
 * `CHROMIUM_PATH` overrides the executable; a missing one throws `ChromiumMissingError`.
 */
export function chromiumLaunchOptions(): { executablePath: string; headless: true; args: string[] } {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new ChromiumMissingError(executablePath);
  return {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  };
}
