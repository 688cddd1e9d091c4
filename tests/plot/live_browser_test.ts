/**
 * The live page in real Chromium, following a scanner over real Channel
 * Access sockets on loopback: a `fws sim` whose daemon-side PVs (state,
 * LIVE arrays, fits, file) are written by `live_driver.ts` in the daemon's
 * order. During the request the chart's drawn data change from step to
 * step; the state text follows SCAN:STATE through PAUSED and back; the IOC
 * restarted mid-request shows as disconnected and then recovers; at the end
 * the page loads the finished file and shows its fit table; no console
 * errors. Saves the mid-scan screenshot to /work/wt/live-page-midscan.png
 * (and test_output/live.png).
 */
import { writeScanFile } from "../../lib/hdf5/mod.ts";
import { loadAssets } from "../../plot.ts";
import { startLivePlotServer } from "../../plot_live.ts";
import { assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { syntheticRun } from "./fixture.ts";
import { startLiveDriver } from "./live_driver.ts";
import { ensureBundle, launchChromium, withTmp } from "./support.ts";

const SHOT = "/work/wt/live-page-midscan.png";
const OUTPUT = new URL("../../test_output/", import.meta.url);
const STEPS = 12;

Deno.test({
  name:
    "live page in Chromium: grows step by step, follows PAUSED, survives an IOC restart, loads the finished file",
  ignore: missingReference("chromium"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    await withTmp(async (dir) => {
      const file = await writeScanFile(
        `${dir}/fws07_20261202_150000.h5`,
        syntheticRun({ scans: 2, mode: "step", steps: STEPS, samples: 20 }),
      );
      const driver = await startLiveDriver();
      await driver.state("IDLE");
      const server = await startLivePlotServer({
        scannerIndex: 7,
        testMode: true,
        assets: await loadAssets(),
        ca: { addrList: driver.addrList, autoAddrList: false, timeout: 2 },
        heartbeatTimeout: 1.5,
      });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({
          viewport: { width: 1280, height: 900 },
        });
        const problems: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        await page.goto(server.url);
        const text = (id: string) => page.locator(`#${id}`).innerText();
        const waitText = (id: string, want: string) =>
          page.waitForFunction(
            ([id, want]) => document.getElementById(id)?.textContent === want,
            [id, want],
            { timeout: 10_000 },
          );
        const drawn = () =>
          page.locator('[data-chart="live"]').getAttribute("data-points");
        const waitPoints = (n: number) =>
          page.waitForFunction(
            (n) =>
              document.querySelector('[data-chart="live"]')?.getAttribute(
                "data-points",
              ) === String(n),
            n,
            { timeout: 10_000 },
          );
        await waitText("live-conn", "connected");
        await waitText("live-state", "IDLE");

        // a request: the profile grows point by point
        await driver.state("VALIDATING");
        await driver.state("MOVING");
        await driver.beginRep(1);
        const seen: string[] = [];
        for (let k = 1; k <= STEPS; k++) {
          await driver.state("ACQUIRING");
          await driver.step(k, STEPS);
          await waitPoints(k);
          seen.push((await drawn())!);
          if (k === 5) {
            // beam off: the daemon pauses; the page follows and comes back
            await driver.state("PAUSED");
            await waitText("live-state", "PAUSED");
            await driver.state("ACQUIRING");
            await waitText("live-state", "ACQUIRING");
          }
        }
        assertEquals(seen, Array.from({ length: STEPS }, (_, i) => `${i + 1}`));
        assertEquals(await text("live-step"), `step ${STEPS}`);

        // the repetition's fit: the curve and the table's first row
        await driver.state("FITTING");
        await driver.fit(STEPS);
        await page.waitForSelector("#live-fit-table tbody tr[data-scan='1']");
        assertMatch(
          await page.locator("#live-fit-table tbody tr").first().innerText(),
          /scan_001/,
        );

        // a second, backward repetition: the first stays as a faint trace
        await driver.beginRep(2, true);
        for (let k = 1; k <= 4; k++) {
          await driver.state("ACQUIRING");
          await driver.step(k, STEPS, [5, -5]);
        }
        await page.waitForFunction(() =>
          document.getElementById("live-title")?.textContent?.includes(
            "1 earlier shown faint",
          )
        );
        await page.screenshot({ path: SHOT, fullPage: true });
        await Deno.mkdir(OUTPUT, { recursive: true });
        await Deno.copyFile(SHOT, new URL("live.png", OUTPUT));

        // the IOC goes away mid-request and comes back
        await page.evaluate(() => {
          const seen: string[] = [];
          const root = document.getElementById("live")!;
          new MutationObserver(() => {
            const now = document.getElementById("live-conn")?.textContent ?? "";
            if (seen.at(-1) !== now) seen.push(now);
          }).observe(root, {
            subtree: true,
            childList: true,
            characterData: true,
            attributes: true,
          });
          (globalThis as unknown as { __conn: string[] }).__conn = seen;
        });
        await driver.restartSim();
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { __conn: string[] }).__conn.includes(
              "disconnected",
            ),
          undefined,
          { timeout: 10_000 },
        );
        await waitText("live-conn", "connected");
        await driver.state("ACQUIRING");
        await driver.beginRep(2, true);
        await driver.step(1, STEPS, [5, -5]);
        await driver.step(2, STEPS, [5, -5]);
        await waitPoints(2);

        // the request ends: the page loads the finished file by itself
        await driver.state("WRITING");
        await driver.put("scan.file", file);
        await driver.state("DONE");
        await page.waitForSelector("#fit-table tbody tr[data-scan='2']", {
          timeout: 15_000,
        });
        assertMatch(await text("live-file"), /fws07_20261202_150000\.h5/);
        assertEquals(
          await page.locator("#fit-table tbody tr").count(),
          2,
          "the file's fit table: one row per repetition",
        );
        await waitText("live-state", "DONE");
        const marks = await page.evaluate(() =>
          (globalThis as unknown as { __fws: { errors: string[] } }).__fws
        );
        assertEquals(marks.errors, []);
        assertEquals(problems, []);
      } finally {
        await browser.close();
        await server.close();
        await driver.close();
      }
    });
  },
});
