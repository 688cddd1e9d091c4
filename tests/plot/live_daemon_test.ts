/**
 * The live page end to end against the real daemon: `makeRig` starts a
 * `fws sim` and the daemon in-process on free loopback ports; the live
 * server follows them over Channel Access and Chromium shows the page.
 * During a step request the chart's drawn data change from step to step; the
 * state follows SCAN:STATE through PAUSED (beam off in the sim) and back; at
 * the end the page loads the file and shows its fit table; a daemon
 * restarted mid-request shows as disconnected (its heartbeat stops) and then
 * recovers; no console errors.
 *
 * Runs once the daemon publishes the LIVE PVs (`lib/daemon/callbacks/live.ts`,
 * branch wt-live-daemon); until then `live_browser_test.ts` plays the daemon.
 */
import { existsSync } from "node:fs";
import { startDaemon } from "../../lib/daemon/mod.ts";
import { loadAssets } from "../../plot.ts";
import { startLivePlotServer } from "../../plot_live.ts";
import { FAST_TUNING, makeRig } from "../daemon/rig.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { ensureBundle, launchChromium } from "./support.ts";

const daemonPublishesLive = existsSync(
  new URL("../../lib/daemon/callbacks/live.ts", import.meta.url),
);
const STEPS = 20;

Deno.test({
  name:
    "live page against the daemon: grows step by step, PAUSED and back, the file's fit table, a daemon restart seen and recovered",
  ignore: missingReference("chromium") || !daemonPublishesLive,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    await Deno.mkdir(new URL("../../test_output/", import.meta.url), {
      recursive: true,
    });
    const rig = await makeRig({ sim: { acquisitionTime: 0.03 } });
    const ca = { addrList: rig.sim.addrList, autoAddrList: false };
    const server = await startLivePlotServer({
      scannerIndex: 7,
      testMode: true,
      assets: await loadAssets(),
      ca,
      heartbeatTimeout: 2.5,
    });
    const browser = await launchChromium();
    let second: Awaited<ReturnType<typeof startDaemon>> | undefined;
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
      const waitText = (id: string, want: string, timeout = 15_000) =>
        page.waitForFunction(
          ([id, want]) => document.getElementById(id)?.textContent === want,
          [id, want],
          { timeout },
        );
      await waitText("live-conn", "connected");
      // every value the chart's drawn point count and the connection text
      // take, kept across the page's reloads (each loaded file reloads it)
      await page.addInitScript(() => {
        const keep = (key: string, value: string) => {
          const list: string[] = JSON.parse(
            sessionStorage.getItem(key) ?? "[]",
          );
          if (list.at(-1) !== value) {
            list.push(value);
            sessionStorage.setItem(key, JSON.stringify(list));
          }
        };
        addEventListener("DOMContentLoaded", () => {
          new MutationObserver(() => {
            keep(
              "seen",
              document.querySelector('[data-chart="live"]')
                ?.getAttribute("data-points") ?? "",
            );
            keep(
              "conn",
              document.getElementById("live-conn")?.textContent ?? "",
            );
          }).observe(document.getElementById("live")!, {
            subtree: true,
            attributes: true,
            childList: true,
            characterData: true,
          });
        });
      });
      await page.reload();
      await waitText("live-conn", "connected");
      await rig.setInputs({
        mode: "STEP",
        startPos: -5,
        endPos: 5,
        nSteps: STEPS,
        nScans: 2,
        settle: 0,
      });
      const outcome = rig.nextOutcome(90);
      await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
      await page.waitForFunction(
        () =>
          Number(
            document.querySelector('[data-chart="live"]')?.getAttribute(
              "data-points",
            ),
          ) >= 5,
        undefined,
        { timeout: 15_000 },
      );
      rig.sim.setBeamOn(false);
      await waitText("live-state", "PAUSED");
      await page.screenshot({ path: "test_output/live_daemon.png" });
      rig.sim.setBeamOn(true);
      await page.waitForFunction(() =>
        document.getElementById("live-state")?.textContent !== "PAUSED"
      );
      // the live fit table fills in from FIT:<CH>:* as repetitions end
      await page.waitForSelector("#live-fit-table tbody tr[data-scan='1']", {
        timeout: 15_000,
      });
      const done = await outcome;
      assertEquals(done.status, "completed", done.message);
      await page.waitForSelector("#fit-table tbody tr[data-scan='2']", {
        timeout: 15_000,
      });
      assertEquals(await page.locator("#fit-table tbody tr").count(), 2);
      const seen: string[] = await page.evaluate(() =>
        JSON.parse(sessionStorage.getItem("seen") ?? "[]")
      );
      const counts = seen.map(Number).filter((n) => n > 0);
      assert(
        new Set(counts).size >= STEPS / 2,
        `the drawn data changed from step to step: ${seen.join(" ")}`,
      );

      // a second request; the daemon restarts in the middle of it
      await page.evaluate(() => sessionStorage.setItem("conn", "[]"));
      const aborted = rig.nextOutcome(30);
      await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
      await waitText("live-step", "step 3").catch(() => {});
      await rig.daemon.stop("restart mid-request");
      await aborted.catch(() => {});
      await page.waitForFunction(
        () =>
          (JSON.parse(sessionStorage.getItem("conn") ?? "[]") as string[])
            .includes("disconnected"),
        undefined,
        { timeout: 15_000 },
      );
      second = await startDaemon({
        scannerIndex: 7,
        testMode: true,
        dataDir: rig.dataDir,
        ca: { ...ca, connectionTimeout: 3 },
        tuning: FAST_TUNING,
      });
      await waitText("live-conn", "connected");
      assertEquals(problems, []);
    } finally {
      await browser.close();
      await server.close();
      await second?.stop();
      await rig.close();
    }
  },
});
