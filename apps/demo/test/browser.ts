// One Chromium per test file, driven by playwright-core, with a fresh profile; screenshots as artifacts.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions } from "@realm-to-cognito/sandbox";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const SCREENSHOTS = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "artifacts",
  "screenshots",
);

export interface Browser {
  /** A fresh page (own cookies and storage are shared per file; the page state is not). */
  newPage(url: string): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "demo-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions(),
    viewport: { width: 1100, height: 900 },
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    async newPage(url) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(url);
      await page.waitForSelector("body[data-ready=true]");
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Waits for the page's status line to show `status`, and returns its text. */
export async function statusAfter(page: Page, status: string): Promise<string> {
  const line = page.locator(`#status[data-status="${status}"]`);
  await line.waitFor();
  return (await line.textContent()) ?? "";
}

export async function fill(page: Page, form: string, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await page.fill(`${form} [name="${name}"]`, value);
}

/** Submits a form and waits until the page has answered (status no longer "working"). */
export async function submit(page: Page, form: string): Promise<string> {
  await page.click(`${form} button[type="submit"]`);
  const line = page.locator('#status:not([data-status="working"])');
  await line.waitFor();
  return (await line.getAttribute("data-status")) ?? "";
}

/** The types of the library's events, as the page listed them. */
export async function eventTypes(page: Page): Promise<string[]> {
  return page
    .locator("#events li")
    .evaluateAll((items) => items.map((item) => item.getAttribute("data-type") ?? ""));
}

/** Signs in through the page's sign-in form and returns the status it ends in. */
export async function signIn(page: Page, email: string, password: string): Promise<string> {
  await fill(page, "#sign-in", { email, password });
  return submit(page, "#sign-in");
}
