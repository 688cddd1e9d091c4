/**
 * The scan catalog (lib/history) against the goals of issue 15:
 *
 * - adding one closed file costs the daemon ≤ 10 ms (`CatalogCallback` on
 *   `fileClosed`: open, read the file, one transaction, close), into a
 *   catalog of 10,000 scans;
 * - `fws index` rebuilds from 1,000 files at ≥ 200 files/s (small files
 *   written here with the scan-file writer; a fresh catalog each round);
 * - a trend query over a month of a 10,000-scan catalog ≤ 50 ms;
 * - `fws history` on that catalog: the first list drawn in Chromium within
 *   300 ms (first contentful paint of /history, whose list the server
 *   renders), with the trend and a search timed alongside (no goal); a
 *   screenshot of the trend view goes to test_output/history_bench.png.
 *
 * Run: `deno task bench history [--files 1000] [--rounds 3]`
 * Prints a markdown table of medians with the load average.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeScanFile } from "../lib/hdf5/mod.ts";
import { CATALOG_FILE, ScanCatalog } from "../lib/history/mod.ts";
import { CatalogWriter } from "../lib/history/write.ts";
import { CatalogCallback } from "../lib/daemon/callbacks/catalog.ts";
import type { ScanRun } from "../lib/scan/model.ts";
import { makeRun } from "../tests/hdf5/fixtures.ts";
import { DatabaseSync } from "node:sqlite";
import { markReference } from "../lib/history/mod.ts";
import { startHistoryServer } from "../history.ts";
import { ensureBundle, launchChromium } from "../tests/plot/support.ts";
import { median } from "./table.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    files: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    pages: { type: "string", default: "7" },
    adds: { type: "string", default: "15" },
    catalog: { type: "string", default: "10000" },
  },
});
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);
const ADDS = Number(values.adds);
const CATALOG_SCANS = Number(values.catalog);
const PAGES = Number(values.pages);
const SCREENSHOT = new URL("../test_output/history_bench.png", import.meta.url);

const HOUR = 3_600_000;
const T0 = Date.parse("2027-01-01T00:00:00Z");

/** A run of `scans` repetitions started at `t`. */
function runAt(t: number, scans: number, steps: number): ScanRun {
  const run = makeRun(scans, { steps, samples: 8 });
  run.startTime = new Date(t).toISOString();
  run.endTime = new Date(t + 300_000).toISOString();
  run.scans.forEach((s, k) =>
    s.startTime = new Date(t + k * 60_000).toISOString()
  );
  return run;
}

/** Fills a catalog with `n` synthetic scans, ~one per hour, of 3 repetitions. */
function fillCatalog(dir: string, n: number): void {
  const catalog = ScanCatalog.open(dir);
  catalog.close();
  const db = new DatabaseSync(`${dir}/${CATALOG_FILE}`);
  const writer = new CatalogWriter(db);
  const template = runAt(T0, 3, 11);
  for (let i = 0; i < n; i++) {
    const t = T0 + i * HOUR;
    const run = {
      ...template,
      startTime: new Date(t).toISOString(),
      scans: template.scans.map((s, k) => ({
        ...s,
        startTime: new Date(t + k * 60_000).toISOString(),
      })),
    };
    writer.write(
      {
        path: `${dir}/synthetic_${i}.h5`,
        name: `synthetic_${i}.h5`,
        mtimeMs: t,
        size: 1,
      },
      run,
    );
  }
  db.close();
}

const load = Deno.loadavg();
const rows: string[] = [];
const root = Deno.makeTempDirSync({ prefix: "fws_history_bench_" });
try {
  // 1. adding one closed file, into a catalog of CATALOG_SCANS scans
  const addDir = `${root}/add`;
  Deno.mkdirSync(addDir);
  fillCatalog(addDir, CATALOG_SCANS);
  const cases = [
    ["1 repetition, 21 steps", 1, 21],
    ["3 repetitions, 41 steps", 3, 41],
  ] as const;
  for (const [label, scans, steps] of cases) {
    const files: { path: string; run: ScanRun }[] = [];
    for (let i = 0; i < 2 * (ADDS + 1); i++) {
      const run = runAt(T0 + i * HOUR, scans, steps);
      const path = `${addDir}/add_${scans}_${i}.h5`;
      files.push({ path: await writeScanFile(path, run), run });
    }
    // as the daemon does: the writer's account of the file (fileClosed.written)
    const callback = new CatalogCallback(addDir);
    const timed = async (from: number, written: boolean) => {
      const times: number[] = [];
      for (const { path, run } of files.slice(from, from + ADDS + 1)) {
        const t = performance.now();
        await callback.handle({
          type: "fileClosed",
          path,
          ...(written ? { written: run } : {}),
        });
        times.push(performance.now() - t);
      }
      return median(times.slice(1)); // the first open of a process verifies
    };
    const daemon = await timed(0, true);
    const readBack = await timed(ADDS + 1, false);
    rows.push(
      `| daemon: add one closed file (${label}) to a ${
        CATALOG_SCANS.toLocaleString("en")
      }-scan catalog, median of ${ADDS} | ${daemon.toFixed(1)} ms | ≤ 10 ms | ${
        daemon <= 10 ? "yes" : "no"
      } |`,
    );
    rows.push(
      `| (no goal) the same file read back (readScanSummary; a file the daemon did not write) | ${
        readBack.toFixed(1)
      } ms | — | — |`,
    );
  }

  // 2. fws index: rebuild from FILES small files, a fresh catalog each round
  const indexDir = `${root}/index`;
  Deno.mkdirSync(indexDir);
  for (let i = 0; i < FILES; i++) {
    await writeScanFile(
      `${indexDir}/fws03_${String(i).padStart(5, "0")}.h5`,
      runAt(T0 + i * HOUR, 1, 11),
    );
  }
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(`${indexDir}/${CATALOG_FILE}${s}`);
      } catch { /* not there */ }
    }
    const t = performance.now();
    const catalog = ScanCatalog.open(indexDir);
    const summary = await catalog.rebuild(indexDir);
    catalog.close();
    const seconds = (performance.now() - t) / 1000;
    if (summary.indexed !== FILES) {
      throw new Error(`indexed ${summary.indexed} of ${FILES}`);
    }
    rates.push(FILES / seconds);
  }
  const rate = median(rates);
  rows.push(
    `| \`fws index\` rebuild from ${
      FILES.toLocaleString("en")
    } files (1 repetition, 2 channels each), median of ${ROUNDS} | ${
      rate.toFixed(0)
    } files/s | ≥ 200 files/s | ${rate >= 200 ? "yes" : "no"} |`,
  );

  // 3. trend over a month of a CATALOG_SCANS-scan catalog
  const catalog = ScanCatalog.open(addDir);
  const from = new Date(T0 + 200 * 24 * HOUR);
  const to = new Date(from.getTime() + 30 * 24 * HOUR);
  const times: number[] = [];
  let points = 0;
  for (let r = 0; r < 21; r++) {
    const t = performance.now();
    points = catalog.trend({ channel: "PDB", from, to }).length;
    times.push(performance.now() - t);
  }
  const list: number[] = [];
  for (let r = 0; r < 21; r++) {
    const t = performance.now();
    catalog.list({ limit: 100 });
    list.push(performance.now() - t);
  }
  catalog.close();
  const m = median(times);
  rows.push(
    `| trend of PDB over a month (${points} points) of a ${
      CATALOG_SCANS.toLocaleString("en")
    }-scan catalog, median of 21 | ${m.toFixed(1)} ms | ≤ 50 ms | ${
      m <= 50 ? "yes" : "no"
    } |`,
  );
  rows.push(
    `| (no goal) list of the newest 100 scans of the same catalog, median of 21 | ${
      median(list).toFixed(1)
    } ms | — | — |`,
  );

  // 4. fws history on the same catalog, in Chromium
  await ensureBundle();
  await markReference(addDir, `${addDir}/add_3_0.h5`);
  const server = await startHistoryServer(addDir);
  const browser = await launchChromium();
  try {
    const render: number[] = [];
    let served = 0;
    for (let r = 0; r < 11; r++) {
      const t = performance.now();
      const html = await (await fetch(`${server.url}history`)).text();
      render.push(performance.now() - t);
      served = html.match(/<tr data-file=/g)?.length ?? 0;
    }
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1100 },
    });
    const paints: number[] = [];
    const trends: number[] = [];
    const searches: number[] = [];
    let shown = 0;
    let trendPoints = 0;
    for (let r = 0; r < PAGES + 1; r++) {
      const page = await context.newPage();
      await page.goto(`${server.url}history`);
      // the paint entry may come after the load event: wait for it
      const got = await page.evaluate(() =>
        new Promise<{ paint: number; rows: number }>((resolve) =>
          new PerformanceObserver((list) => {
            const e = list.getEntries().find((x) =>
              x.name === "first-contentful-paint"
            );
            if (e) {
              resolve({
                paint: e.startTime,
                rows: document.querySelectorAll("table.history tbody tr")
                  .length,
              });
            }
          }).observe({ type: "paint", buffered: true })
        )
      );
      shown = got.rows;
      await page.waitForFunction(() =>
        Number(
          document.querySelector<HTMLElement>("[data-chart=history-center]")
            ?.dataset.points,
        ) > 0
      );
      const trend = await page.evaluate(() => performance.now());
      trendPoints = Number(
        await page.locator("[data-chart=history-center]").getAttribute(
          "data-points",
        ),
      );
      await page.fill("input[name=comment]", "shift");
      await page.selectOption("select[name=status]", "completed");
      await page.click("#history-go");
      await page.waitForFunction(() =>
        (globalThis as { __fws?: { historyList?: unknown } }).__fws
          ?.historyList !== undefined
      );
      const search = await page.evaluate(() =>
        (globalThis as unknown as { __fws: { historyList: { ms: number } } })
          .__fws.historyList.ms
      );
      if (r === PAGES) {
        await page.goto(
          `${server.url}history?from=${
            encodeURIComponent(new Date(T0 + 200 * 24 * HOUR).toISOString())
          }&to=${
            encodeURIComponent(new Date(T0 + 207 * 24 * HOUR).toISOString())
          }`,
        );
        await page.waitForFunction(() =>
          Number(
            document.querySelector<HTMLElement>("[data-chart=history-center]")
              ?.dataset.points,
          ) > 0
        );
        await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
      }
      await page.close();
      if (r === 0) continue; // the first page pays for the browser's warm-up
      paints.push(got.paint);
      trends.push(trend);
      searches.push(search);
    }
    const paint = median(paints);
    rows.push(
      `| \`fws history\`: first list (the newest of ${
        CATALOG_SCANS.toLocaleString("en")
      } scans: ${served} rows drawn by the server, ${shown} once hydrated) drawn in Chromium (first contentful paint), median of ${PAGES} | ${
        paint.toFixed(0)
      } ms | ≤ 300 ms | ${paint <= 300 ? "yes" : "no"} |`,
    );
    rows.push(
      `| (no goal) the page rendered by the server (GET /history), median of 11 | ${
        median(render).toFixed(1)
      } ms | — | — |`,
    );
    rows.push(
      `| (no goal) trend of the newest 30 days (${
        trendPoints.toLocaleString("en")
      } points) drawn, from navigation, median of ${PAGES} | ${
        median(trends).toFixed(0)
      } ms | — | — |`,
    );
    rows.push(
      `| (no goal) a search (comment + status) answered in Chromium, median of ${PAGES} | ${
        median(searches).toFixed(0)
      } ms | — | — |`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  Deno.removeSync(root, { recursive: true });
}
console.log("| catalog | fws | goal | met |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(`\nScreenshot of the trend view: ${SCREENSHOT.pathname}`);
console.log(
  `\nLoad average ${load.map((l) => l.toFixed(2)).join(" ")} → ${
    Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
  } on ${navigator.hardwareConcurrency} CPUs.`,
);
