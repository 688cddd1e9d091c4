/**
 * The history page in real Chromium (Debian's, driven by playwright-core),
 * served in-process from the catalogued directory of `support_page.ts`: the
 * list drawn by the server, a search, the trend with the reference and the
 * drift, a drag that narrows the time range, a click that picks a point,
 * the overlay raw and normalised, CSV and PNG export, and `--latest`'s
 * redirect into the file view, whose profile is drawn under the prefix.
 * Saves a screenshot of the trend view to test_output/history_trend.png.
 */
import { startHistoryServer } from "../../history.ts";
import type { TrendPayload } from "../../islands/shared/history_types.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { ensureBundle, launchChromium } from "../plot/support.ts";
import { historyDir } from "./support_page.ts";

const OUTPUT = new URL("../../test_output/", import.meta.url);

interface Marks {
  firstProfile?: number;
  errors: string[];
  historyList?: { ms: number; rows: number };
  historyTrend?: { ms: number; points: number; q: string };
  historyOverlay?: { ms: number; series: number };
}

Deno.test({
  name:
    "history page in Chromium: list, search, trend with drift, zoom, pick, overlay, export, latest",
  ignore: missingReference("chromium"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await ensureBundle();
    const h = await historyDir();
    const server = await startHistoryServer(h.dir);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        acceptDownloads: true,
        viewport: { width: 1280, height: 1000 },
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      const marks = () =>
        page.evaluate(() => (globalThis as unknown as { __fws: Marks }).__fws);
      const rows = () => page.locator("table.history tbody tr").count();
      const all = await (await fetch(
        `${server.url}history/api/trend?channel=PDB`,
      )).json() as TrendPayload;

      await t.step(
        "the list is drawn by the server, the trend follows",
        async () => {
          await page.goto(`${server.url}history`);
          assertEquals(await rows(), 8);
          const paint = await page.evaluate(() =>
            performance.getEntriesByName("first-contentful-paint")[0]?.startTime
          );
          console.log(
            `history page: first contentful paint ${paint?.toFixed(0)} ms`,
          );
          await page.waitForFunction(
            (n) =>
              document.querySelector<HTMLElement>(
                "[data-chart=history-center]",
              )?.dataset.points === String(n),
            all.t.length,
          );
          assertMatch(
            await page.locator("#trend-reference").innerText(),
            /Reference fws03_0000\.h5 .*centre .* ± .*σ/,
          );
          await page.waitForSelector("[data-chart=history-drift] canvas");
          assertMatch(
            await page.locator("#trend-summary").innerText(),
            new RegExp(
              `^${all.t.length} repetitions of ${all.files.length} requests`,
            ),
          );
          await page.screenshot({
            path: new URL("history_trend.png", OUTPUT).pathname,
            fullPage: true,
          });
        },
      );

      await t.step(
        "a search by user redraws the list and the URL",
        async () => {
          await page.fill("input[name=user]", "bob");
          await page.click("#history-go");
          await page.waitForFunction(() =>
            document.querySelectorAll("table.history tbody tr").length === 3
          );
          const users = await page.locator(
            "table.history tbody tr td:nth-child(8)",
          )
            .allInnerTexts();
          assertEquals(users, ["bob", "bob", "bob"]);
          assertMatch(page.url(), /\/history\?user=bob$/);
          await page.fill("input[name=user]", "");
          await page.selectOption("select[name=scanner]", "5");
          await page.click("#history-go");
          await page.waitForFunction(() =>
            document.querySelectorAll("table.history tbody tr").length === 1
          );
          // the trend follows the scanner
          await page.waitForFunction(() =>
            (globalThis as unknown as { __fws: Marks }).__fws.historyTrend?.q
              .includes("scanner=5")
          );
          await page.selectOption("select[name=scanner]", "");
          await page.click("#history-go");
          await page.waitForFunction(() =>
            document.querySelectorAll("table.history tbody tr").length === 8
          );
        },
      );

      await t.step(
        "a drag on the trend narrows the time range of list and trend",
        async () => {
          const over = page.locator("[data-chart=history-center] .u-over");
          await over.scrollIntoViewIfNeeded();
          const box = (await over.boundingBox())!;
          // the first half of the time axis: the files of 10:00 to 12:30 at most
          await page.mouse.move(box.x + 2, box.y + box.height / 2);
          await page.mouse.down();
          await page.mouse.move(
            box.x + box.width * 0.2,
            box.y + box.height / 2,
            {
              steps: 5,
            },
          );
          await page.mouse.up();
          await page.waitForFunction(() =>
            document.querySelectorAll("table.history tbody tr").length < 8
          );
          const from = await page.inputValue("input[name=from]");
          assertMatch(from, /^2027-01-1\dT\d\d:\d\d$/);
          const n = await rows();
          assert(n >= 1 && n < 8, `rows in the narrowed range: ${n}`);
          assertMatch(page.url(), /from=2027/);
          await page.dblclick("[data-chart=history-center] .u-over");
          await page.waitForFunction(() =>
            document.querySelectorAll("table.history tbody tr").length === 8
          );
        },
      );

      await t.step(
        "overlay: rows ticked and a trend point clicked, raw and normalised",
        async () => {
          assertEquals(await page.locator("#overlay-empty").count(), 1);
          await page.check(
            "tr[data-file='fws03_0001.h5'] input[type=checkbox]",
          );
          await page.check(
            "tr[data-file='fws03_0004.h5'] input[type=checkbox]",
          );
          await page.waitForFunction(() =>
            (globalThis as unknown as { __fws: Marks }).__fws.historyOverlay
              ?.series === 4
          );
          const over = page.locator("[data-chart=history-center] .u-over");
          await over.scrollIntoViewIfNeeded();
          const box = (await over.boundingBox())!;
          await page.mouse.click(
            box.x + box.width * 0.5,
            box.y + box.height / 2,
          );
          await page.waitForFunction(() =>
            (globalThis as unknown as { __fws: Marks }).__fws.historyOverlay
              ?.series === 5
          );
          const picks = await page.locator("button.pick").allInnerTexts();
          assertEquals(picks.length, 3);
          assertMatch(picks[2], /^fws03_\w+\.h5#\d ×$/);
          const ymax = () =>
            page.locator("[data-chart=history-overlay]").getAttribute(
              "data-ymax",
            );
          await page.waitForSelector("[data-chart=history-overlay] canvas");
          const normalised = Number(await ymax());
          assert(
            normalised > 0.9 && normalised <= 1.2,
            `normalised max ${normalised}`,
          );
          await page.uncheck("#overlay-normalise");
          await page.waitForFunction((n) =>
            Number(
              document.querySelector<HTMLElement>(
                "[data-chart=history-overlay]",
              )
                ?.dataset.ymax,
            ) > n * 2, normalised);
          await page.click("button.pick >> nth=2");
          await page.waitForFunction(() =>
            (globalThis as unknown as { __fws: Marks }).__fws.historyOverlay
              ?.series === 4
          );
        },
      );

      await t.step("CSV and PNG of the list and the trend", async () => {
        const save = async (selector: string) => {
          const [download] = await Promise.all([
            page.waitForEvent("download"),
            page.click(selector),
          ]);
          return {
            name: download.suggestedFilename(),
            bytes: await Deno.readFile((await download.path())!),
          };
        };
        const list = await save("#csv-list");
        assertEquals(list.name, "fws_history_list.csv");
        assertEquals(
          new TextDecoder().decode(list.bytes).trim().split("\n").length,
          9,
        );
        const trend = await save("#csv-trend");
        assertEquals(trend.name, "fws_history_trend_PDB.csv");
        assertEquals(
          new TextDecoder().decode(trend.bytes).trim().split("\n").length,
          all.t.length + 1,
        );
        const png = [0x89, 0x50, 0x4e, 0x47];
        for (
          const id of ["#png-list", "#png-history-center", "#png-history-drift"]
        ) {
          const got = await save(id);
          assertMatch(got.name, /\.png$/);
          assertEquals([...got.bytes.subarray(0, 4)], png, id);
          assert(got.bytes.length > 2000, `${id}: ${got.bytes.length} bytes`);
        }
      });

      await t.step(
        "the latest scan of a scanner opens in the file view, profile drawn",
        async () => {
          await page.goto(`${server.url}history/latest/3`);
          assertMatch(page.url(), /\/history\/file\/fws03_fork\.h5\/$/);
          await page.waitForFunction(() =>
            (globalThis as unknown as { __fws: Marks }).__fws.firstProfile !==
              undefined
          );
          await page.click("nav.back a");
          await page.waitForURL(/\/history$/);
          assertEquals(await rows(), 8);
        },
      );

      assertEquals(problems, []);
      assertEquals((await marks()).errors, []);
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(h.dir, { recursive: true });
    }
  },
});
