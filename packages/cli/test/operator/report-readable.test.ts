import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions } from "@realm-to-cognito/sandbox";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forecastUsersOf } from "../../src/operator/forecast-users.js";
import {
  forecastPhaseOne,
  gatherReport,
  ledgerViewFromUsers,
  type OperatorUser,
  renderReportHtml,
} from "../../src/operator/index.js";

const artifacts = fileURLToPath(new URL("../../../../artifacts/", import.meta.url));
const NOW = new Date("2026-11-27T09:00:00Z");
const DAY = 86_400_000;
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch(chromiumLaunchOptions());
});
afterAll(async () => {
  await browser?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** Users arriving over `days` days ending yesterday, a few still in Realm, failures past the list's length. */
function population(days: number, failures: number): OperatorUser[] {
  const users: OperatorUser[] = [];
  let n = 0;
  const add = (user: Omit<OperatorUser, "key" | "email" | "confirmed" | "disabled">) => {
    n++;
    users.push({ key: `k${n}`, email: `user${n}@example.com`, confirmed: true, disabled: false, ...user });
  };
  for (let d = 0; d < days; d++) {
    const at = NOW.getTime() - (days - d) * DAY;
    for (let i = 0; i < 3 + ((d * 7) % 11); i++)
      add({ state: "migrated-with-password", migratedAt: iso(at), lastAuthenticatedAt: iso(at) });
  }
  for (let i = 0; i < 40; i++)
    add({ state: "still-in-realm", lastAuthenticatedAt: iso(NOW.getTime() - (i * 9 + 1) * DAY) });
  for (let i = 0; i < failures; i++) add({ state: "import-failed", reason: "InternalErrorException" });
  return users;
}

async function render(name: string, users: OperatorUser[], switchAfterWeeks?: number): Promise<Page> {
  const view = ledgerViewFromUsers(users);
  const forecast = forecastPhaseOne(forecastUsersOf(view, undefined), {
    asOf: NOW.getTime(),
    weeks: [1, 2, 3, 4, 6, 8, 10, 12],
    ...(switchAfterWeeks === undefined ? {} : { switchAfterWeeks }),
  });
  const html = renderReportHtml(
    gatherReport(view, undefined, forecast, { now: NOW, timeZone: "Europe/Paris" }),
  );
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  await page.setContent(html);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `report-${name}.png`), fullPage: true });
  return page;
}

/** Pairs of text boxes in one chart that overlap (by more than half a pixel each way). */
async function overlappingLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const svg of document.querySelectorAll("svg.chart")) {
      const boxes = [...svg.querySelectorAll("text")].map((t) => ({
        text: t.textContent ?? "",
        r: t.getBoundingClientRect(),
      }));
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!.r;
          const b = boxes[j]!.r;
          const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (x > 0.5 && y > 0.5) found.push(`${svg.id}: "${boxes[i]!.text}" × "${boxes[j]!.text}"`);
        }
    }
    return found;
  });
}

async function dateLabels(page: Page): Promise<string[]> {
  return page.locator("#chart-migrations text.date").allTextContents();
}

describe("the report reads well", () => {
  it("with one day of data: a narrow column, each date once, no label on another", async () => {
    const page = await render("1-day", population(1, 0));
    expect(await overlappingLabels(page)).toEqual([]);
    const labels = await dateLabels(page);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.length).toBeGreaterThan(1);
    const { bar, plot } = await page.evaluate(() => ({
      bar: document.querySelector("#chart-migrations rect.bar")!.getBoundingClientRect().width,
      plot: document.querySelector("#chart-migrations")!.getBoundingClientRect().width,
    }));
    expect(bar).toBeLessThan(plot / 10);
    await page.close();
  });

  it("with one year of data: dates spaced, no label on another", async () => {
    const page = await render("1-year", population(365, 0));
    expect(await overlappingLabels(page)).toEqual([]);
    const labels = await dateLabels(page);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(await page.locator("#chart-migrations rect.bar").count()).toBe(365);
    await page.close();
  });

  it("leads with percent complete and the next step, in people's words and local time", async () => {
    const users = population(30, 150);
    const page = await render("30-days-failures", users);
    const inCognito = users.filter((u) => u.state === "migrated-with-password").length;
    const percent = Math.floor((1000 * inCognito) / users.length) / 10;
    await expect(page.locator("#headline b").textContent()).resolves.toBe(`${percent} %`);
    await expect(page.locator("#next-step").textContent()).resolves.toMatch(
      /Next step: Retry the 150 failed imports: realm-to-cognito import --retry-failed/,
    );
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it, tables tab-separated
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain("Migrated with their password");
    for (const id of ["migrated-with-password", "imported-awaiting-reset", "still-in-realm", "import-failed"])
      expect(text).not.toContain(id);
    expect(text).toContain("Fri, 27 Nov 2026, 10:00 CET"); // 09:00Z in Paris
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    // The first 100 failures are listed, and how many there are.
    await expect(page.locator("#problem-count").textContent()).resolves.toMatch(
      /^150 users; the first 100 are listed/,
    );
    expect(text.match(/Import failed\tInternalErrorException/g)?.length).toBe(100);
    await page.close();
  });

  it("draws the switch only when asked", async () => {
    const users = population(30, 0);
    const unasked = await render("no-switch", users);
    expect(await unasked.locator("#chart-forecast line.switch").count()).toBe(0);
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it
    expect(await unasked.evaluate(() => document.body.innerText)).toContain("after week 12");
    await unasked.close();
    const asked = await render("switch-week-6", users, 6);
    expect(await asked.locator("#chart-forecast line.switch").count()).toBe(1);
    expect(await overlappingLabels(asked)).toEqual([]);
    await asked.close();
  });
});
