import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumLaunchOptions, prng } from "@realm-to-cognito/sandbox";
import { Command } from "commander";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clockAt, systemClock } from "../../src/clock.js";
import { ImportLedger } from "../../src/ledger/index.js";
import { notify, registerOperatorCommands, SendLedger } from "../../src/operator/index.js";
import type { MailTransport } from "../../src/operator/transports/transport.js";
import { createServices, processOutput } from "../../src/services.js";
import { buildLedger, type LedgerUserSpec, silentProgress, tempDir } from "./fixtures.js";

const artifacts = fileURLToPath(new URL("../../../../artifacts/", import.meta.url));
const NOW = new Date("2026-11-27T09:00:00Z");
const DAY = 86_400_000;
let browser: Browser;
let dir: string;
let ledger: string;

/** A ledger of 400 users a month into phase 1, with a first import batch and a notification campaign. */
async function migrationInProgress(file: string): Promise<void> {
  const random = prng(3);
  const iso = (ms: number) => new Date(ms).toISOString();
  const specs: LedgerUserSpec[] = [];
  for (let index = 1; index <= 400; index++) {
    // Days since last sign-in: heavy-tailed, as in real apps (many recent, a long tail of absent users).
    const lastSeen = NOW.getTime() - Math.min(400, 20 * ((1 - random()) ** (-1 / 0.8) - 1)) * DAY;
    if (index <= 170) {
      // phase 1 took them on a day within the last 30, more at the start
      const day = Math.floor(random() ** 1.6 * 30);
      specs.push({
        index,
        state: "already-present",
        lastAuthenticatedAt: iso(lastSeen),
        poolCreatedAt: iso(NOW.getTime() - (30 - day) * DAY),
      });
    } else if (index <= 260) {
      specs.push({
        index,
        state: "created",
        lastAuthenticatedAt: iso(lastSeen),
        importedAt: iso(NOW.getTime() - (index <= 220 ? 3 : 1) * DAY),
      });
    } else if (index <= 280) {
      specs.push({
        index,
        state: "rejected",
        reason: index <= 272 ? "pending registration (unconfirmed email)" : "invalid email",
        email: `bad${index}`,
      });
    } else if (index <= 284) {
      specs.push({ index, state: "failed", reason: "InternalErrorException" });
    } else {
      specs.push({
        index,
        state: "planned",
        lastAuthenticatedAt: index % 9 === 0 ? undefined : iso(lastSeen),
      });
    }
  }
  buildLedger(file, specs, () => NOW);
  // A campaign whose outcomes depend on the address, through a transport that answers at once.
  const outcomes: MailTransport = {
    name: "test",
    async send(message) {
      const n = Number(/\d+/.exec(message.to)?.[0]);
      if (n % 17 === 0) return { status: "bounced", reason: "SMTP 550 on RCPT TO: 5.1.1 user unknown" };
      if (n % 29 === 0) return { status: "failed", reason: "SMTP 451 on DATA: try again later" };
      return { status: "sent", messageId: `<${n}@test>` };
    },
    close: async () => {},
  };
  const db = ImportLedger.open(file);
  const sends = new SendLedger(db, { clock: clockAt(() => NOW) });
  await notify(sends, outcomes, {
    campaign: "reset-notice",
    audience: Array.from({ length: 90 }, (_, i) => ({
      userKey: `k${i + 171}`,
      email: `user${i + 171}@example.com`,
    })),
    template: { subject: "s {{email}}", text: "t {{resetLink}}" },
    from: "noreply@example.com",
    resetLink: "https://example.com/reset",
    ratePerSecond: 10_000,
    limit: 80,
  });
  db.close();
}

beforeAll(async () => {
  dir = tempDir();
  ledger = join(dir, "ledger.db");
  await migrationInProgress(ledger);
  browser = await chromium.launch(chromiumLaunchOptions());
});
afterAll(async () => {
  await browser?.close();
});

describe("the migration report", () => {
  it("is one self-contained page whose charts all draw, kept as a screenshot", async () => {
    const out = join(dir, "report.html");
    let said = "";
    const program = new Command().exitOverride();
    registerOperatorCommands(
      program,
      createServices({
        env: {},
        output: { ...processOutput, stdout: (t) => (said += t), progress: silentProgress },
        clock: { now: () => NOW.getTime(), sleep: systemClock.sleep },
      }),
    );
    await program.parseAsync([
      "node",
      "realm-to-cognito",
      "report",
      "--ledger",
      ledger,
      "--out",
      out,
      "--switch-week",
      "8",
    ]);
    expect(said).toMatch(/^report written to .*: 68\.4 % in Cognito\. Retry the 4 failed imports/);
    const html = readFileSync(out, "utf8");
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);

    const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${out}`);
    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);

    for (const id of [
      "chart-states",
      "chart-migrations",
      "chart-forecast",
      "chart-rejects",
      "chart-notifications",
    ]) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width * box!.height, id).toBeGreaterThan(10_000);
    }
    // Marks with area: bars in the bar charts, the line and band of the forecast.
    const drawn = await page.evaluate(() => {
      const area = (el: Element) => {
        const r = el.getBoundingClientRect();
        return r.width * r.height;
      };
      const count = (selector: string) =>
        [...document.querySelectorAll(selector)].filter((el) => area(el) > 0).length;
      return {
        states: count("#chart-states rect.bar"),
        migrations: count("#chart-migrations rect.bar"),
        forecastLine: area(document.querySelector("#chart-forecast path.line")!),
        forecastBand: area(document.querySelector("#chart-forecast path.band")!),
        forecastPoints: count("#chart-forecast circle.point"),
        rejects: count("#chart-rejects rect.bar"),
        notifications: count("#chart-notifications rect.bar"),
      };
    });
    expect(drawn.states).toBe(5); // every state but imported-reset-done, which is empty
    expect(drawn.migrations).toBeGreaterThan(10);
    expect(drawn.forecastLine).toBeGreaterThan(1_000);
    expect(drawn.forecastBand).toBeGreaterThan(0);
    expect(drawn.forecastPoints).toBe(9);
    expect(drawn.rejects).toBe(3);
    expect(drawn.notifications).toBe(4); // sent, failed, bounced, queued
    // 170 with password and 90 imported of the 380 to move (20 rejected are not counted).
    await expect(page.locator("#headline b").textContent()).resolves.toBe("68.4 %");
    await expect(page.locator("#chart-forecast line.switch").count()).resolves.toBe(1);

    // Pixels, not only boxes: the migrations chart is not blank.
    const shot = await page.locator("#chart-migrations").screenshot();
    expect(shot.byteLength).toBeGreaterThan(3_000);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    await page.close();
  });
});
