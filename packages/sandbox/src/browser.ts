/**
 * How the tests start Debian's Chromium headless (playwright-core's `launch` options): no sandbox as
 * root, and no background networking, which this machine's closed network refuses many times a start.
 * `CHROMIUM_PATH` overrides the executable.
 */
export function chromiumLaunchOptions(): { executablePath: string; headless: true; args: string[] } {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
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
