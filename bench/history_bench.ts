/**
 * The scan catalog (lib/history) against the goals of issue 15:
 *
 * - adding one closed file costs the daemon ≤ 10 ms (`CatalogCallback` on
 *   `fileClosed`: open, read the file, one transaction, close), into a
 *   catalog of 10,000 scans;
 * - `fws index` rebuilds from 1,000 files at ≥ 200 files/s (small files
 *   written here with the scan-file writer; a fresh catalog each round);
 * - a trend query over a month of a 10,000-scan catalog ≤ 50 ms.
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

const { values } = parseArgs({
  args: Deno.args,
  options: {
    files: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    adds: { type: "string", default: "15" },
    catalog: { type: "string", default: "10000" },
  },
});
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);
const ADDS = Number(values.adds);
const CATALOG_SCANS = Number(values.catalog);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

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
      `| (no goal) the same file read back with readScanFile (a file the daemon did not write) | ${
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
} finally {
  Deno.removeSync(root, { recursive: true });
}
console.log("| catalog | fws | goal | met |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(
  `\nLoad average ${load.map((l) => l.toFixed(2)).join(" ")} → ${
    Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
  } on ${navigator.hardwareConcurrency} CPUs.`,
);
