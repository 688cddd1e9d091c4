/**
 * The page and a file whose fit left points out: `/api/profile` serves the
 * profile as the fit saw it (normalised to the beam) and the points left
 * out in a `rej` column; in Chromium they are a greyed series of their own.
 * The fit table shows σ's floor from the file's error budget.
 */
import { rejectPoints } from "../../lib/analysis/rejection.ts";
import { fitPoints } from "../../lib/analysis/profile.ts";
import { errorBudget } from "../../lib/analysis/error_budget.ts";
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { startPlotServer } from "../../plot.ts";
import { fetchColumns } from "../../islands/shared/state.ts";
import { makeRun } from "../hdf5/fixtures.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { ensureBundle, launchChromium, withTmp } from "./support.ts";

async function serve(dir: string) {
  const run = makeRun(1, { steps: 41, samples: 8 });
  const scan = run.scans[0];
  const pdb = scan.struck.PDB.data;
  for (let k = 26 * 8; k < 27 * 8; k++) pdb[k] += 1.5; // a spike
  scan.beam.current.values.forEach((_, i, a) => a[i] = 2.5 * (1 + i / 100));
  const options = { outlierK: 6, normalise: true };
  const { profile, rejection } = rejectPoints(scan, "PDB", "ch1", options);
  scan.fits.PDB = { ...fitPoints(profile), iopsChannel: "ch1" };
  scan.rejections = { PDB: rejection };
  scan.errorBudgets = {
    PDB: errorBudget(scan, profile, scan.fits.PDB, {
      iops: "ch1",
      diameter: 0.05,
    }),
  };
  const path = await writeScanFile(`${dir}/fws03_rej.h5`, run);
  const file = await readScanFile(path);
  const server = await startPlotServer(file, {
    file: "fws03_rej.h5",
    struck: "PDB",
    iops: "ch1",
    scannerIndex: 3,
  });
  return { server, profile, rejection };
}

Deno.test("/api/profile: the fit's profile and the points it left out", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const { server, profile, rejection } = await serve(dir);
    try {
      assertEquals(rejection.counts.outlier, 1);
      const c = await fetchColumns(
        `${server.url}api/profile?scan=1&struck=PDB&iops=ch1&buckets=2000`,
      );
      assertEquals(c.headers.get("x-columns"), "x,y,r,rej");
      assertEquals(c.rows, 41);
      const rej = [...c.cols[3]].filter((v) => !Number.isNaN(v));
      assertEquals(rej.length, 1);
      const kept = [...c.cols[1]].filter((v) => !Number.isNaN(v));
      assertEquals(kept.length, 40);
      // y is the normalised profile the fit saw
      const want = [...profile.y].sort((a, b) => a - b);
      const got = kept.sort((a, b) => a - b);
      got.forEach((v, i) => assertAlmostEquals(v, want[i], 1e-5));
      // a file without rejection keeps its three columns (tested elsewhere)
      // the fit table carries σ's error budget and shows its floor
      const fits = await (await fetch(
        `${server.url}api/fits?struck=PDB&iops=ch1`,
      )).json();
      assertEquals(fits.rows[0].budget.wire, 0.0125);
      assertEquals(fits.rows[0].budget.belowFloor, false);
      assertEquals(fits.rows[0].rejected, 1);
      const html = await (await fetch(server.url)).text();
      assert(/σ floor/.test(html), "the fit table has the σ floor column");
    } finally {
      await server.close();
    }
  });
});

Deno.test({
  name: "the points a fit left out are a greyed series in Chromium",
  ignore: missingReference("chromium"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    await withTmp(async (dir) => {
      const { server } = await serve(dir);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(server.url);
        await page.waitForFunction(() =>
          (globalThis as unknown as { __fws: { firstProfile?: number } })
            .__fws.firstProfile !== undefined
        );
        const legend = await page.locator("[data-chart=profile] .u-legend")
          .innerText();
        assert(/left out of the fit/.test(legend), legend);
        assertEquals(errors, []);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  },
});
