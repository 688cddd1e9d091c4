/**
 * The live page (`fws plot --live`) in Chromium: from the Channel Access
 * monitor update to the point drawn, measured in the page (the update's CA
 * time stamp against `performance.timeOrigin + performance.now()` when uPlot
 * drew it), over ≥ 1000 steps of two channels; and a fly repetition's
 * profile (NELM = 10000 points × 2 channels, what the daemon publishes for a
 * 1e6-sample reading after decimating it) from the moment it is written to
 * the moment the page drew it.
 *
 * The daemon's side is played by `tests/plot/live_driver.ts` on a `fws sim`
 * (LIVE arrays written in the daemon's order, each step the whole arrays so
 * far); the daemon's own share (reading, decimating, publishing) is measured
 * by its bench (`daemon_bench.ts`, live rows) once merged.
 *
 * Run: `deno run -P=test bench/live_page_bench.ts [--steps 1000] [--runs 3] [--fly 5]`
 * Prints a markdown table against the goals (median ≤ 50 ms, p99 ≤ 150 ms;
 * fly ≤ 500 ms), one row per run, then the medians of the runs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadAssets } from "../plot.ts";
import { startLivePlotServer } from "../plot_live.ts";
import { startLiveDriver } from "../tests/plot/live_driver.ts";
import { ensureBundle, launchChromium } from "../tests/plot/support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "1000" },
    runs: { type: "string", default: "3" },
    fly: { type: "string", default: "5" },
  },
});
const STEPS = Number(values.steps);
const RUNS = Number(values.runs);
const FLY = Number(values.fly);
const NELM = 10000;

interface Mark {
  drawn: number;
  ca: number;
  recv: number;
  points: number;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
}

const median = (xs: number[]) => quantile(xs, 0.5);

await ensureBundle();
const driver = await startLiveDriver();
await driver.state("IDLE");
const server = await startLivePlotServer({
  scannerIndex: 7,
  testMode: true,
  assets: await loadAssets(),
  ca: { addrList: driver.addrList, autoAddrList: false },
});
const browser = await launchChromium();
const rows: string[] = [];
const stepStats: { median: number; p99: number; server: number }[] = [];
const flyStats: number[] = [];
try {
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
  });
  await page.goto(server.url);
  await page.waitForFunction(() =>
    document.getElementById("live-conn")?.textContent === "connected"
  );
  const marks = () =>
    page.evaluate(() =>
      (globalThis as unknown as { __fws: { live?: Mark[] } }).__fws.live ?? []
    );
  const clear = () =>
    page.evaluate(() => {
      (globalThis as unknown as { __fws: { live?: Mark[] } }).__fws.live = [];
    });
  const drawnPoints = (n: number) =>
    page.waitForFunction(
      (n) =>
        document.querySelector('[data-chart="live"]')?.getAttribute(
          "data-points",
        ) === String(n),
      n,
      { timeout: 20_000, polling: 1 },
    );
  const repShown = (n: number) =>
    page.waitForFunction(
      (n) =>
        document.getElementById("live-rep")?.textContent?.startsWith(
          `repetition ${n} `,
        ),
      n,
      { timeout: 20_000 },
    );
  let rep = 0;
  for (let run = 1; run <= RUNS; run++) {
    await driver.state("DONE");
    await driver.state("MOVING");
    await driver.beginRep(++rep);
    await repShown(rep);
    await clear();
    for (let k = 1; k <= STEPS; k++) {
      await driver.step(k, STEPS);
      await drawnPoints(k);
    }
    const m = (await marks()).filter((x) => x.points > 0);
    const ca = m.map((x) => x.ca);
    const stat = {
      median: median(ca),
      p99: quantile(ca, 0.99),
      server: median(m.map((x) => x.recv)),
    };
    stepStats.push(stat);
    rows.push(
      `| steps, run ${run} | ${m.length} draws | ${stat.median.toFixed(1)} | ${
        stat.p99.toFixed(1)
      } | ${stat.server.toFixed(1)} | ≤ 50 / ≤ 150 |`,
    );
  }
  // fly: one repetition of NELM points × 2 channels at once
  const x = Array.from({ length: NELM }, (_, i) => -5 + 10 * i / (NELM - 1));
  const y = (f: number) =>
    new Float64Array(x.map((v) => f * Math.exp(-v * v / 2)));
  for (let i = 0; i < FLY; i++) {
    await driver.beginRep(++rep);
    await repShown(rep);
    await clear();
    const t0 = Date.now();
    await driver.put("live.pos", new Float64Array(x));
    await driver.put("live.daq.PDB", y(1));
    await driver.put("live.daq.PDT", y(0.5));
    // the chart holds the earlier repetitions too: wait for this one's mark
    await page.waitForFunction(
      (n) =>
        ((globalThis as unknown as { __fws: { live?: Mark[] } }).__fws.live ??
          []).some((m) => m.points >= n),
      NELM,
      { timeout: 20_000, polling: 1 },
    );
    const m = (await marks()).find((m) => m.points >= NELM)!;
    flyStats.push(m.drawn - t0);
  }
  await page.screenshot({ path: "test_output/live_bench.png" }).catch(() => {});
} finally {
  await browser.close();
  await server.close();
  await driver.close();
}

const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(
  `Live page, ${STEPS} steps × 2 channels, ${RUNS} runs; fly ${NELM} points × 2 channels, ${FLY} repetitions; load average ${load}; CA and page on loopback, sim-driven LIVE PVs\n`,
);
console.log(
  "| case | n | CA update → drawn, median [ms] | p99 [ms] | server receive → drawn, median [ms] | goal [ms] |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(
  `| steps, median of runs | ${RUNS} | ${
    median(stepStats.map((s) => s.median)).toFixed(1)
  } | ${median(stepStats.map((s) => s.p99)).toFixed(1)} | ${
    median(stepStats.map((s) => s.server)).toFixed(1)
  } | ≤ 50 / ≤ 150 ${
    median(stepStats.map((s) => s.median)) <= 50 &&
      median(stepStats.map((s) => s.p99)) <= 150
      ? "✓"
      : "✗"
  } |`,
);
console.log(
  `| fly ${NELM} × 2, written → drawn | ${FLY} | ${
    median(flyStats).toFixed(1)
  } (max ${Math.max(...flyStats).toFixed(1)}) | – | – | ≤ 500 ${
    Math.max(...flyStats) <= 500 ? "✓" : "✗"
  } |`,
);
