/**
 * The file page's "Profile models" section: `/api/models` against the
 * models the file holds (every model's curve is `modelCurve` of the file's
 * parameters; ΔAICc against the best), a channel fitted with the Gaussian
 * only answered 404 with the reason; in Chromium the section shows the
 * chosen model and draws the curves ticked.
 */
import { profileOf } from "../../lib/analysis/mod.ts";
import { profileModels } from "../../lib/analysis/profile_models.ts";
import { modelCurve, type ModelName } from "../../lib/analysis/models.ts";
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { startPlotServer } from "../../plot.ts";
import type { ModelsPayload } from "../../islands/shared/model_types.ts";
import { makeRun } from "../hdf5/fixtures.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
} from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import { ensureBundle, launchChromium, withTmp } from "./support.ts";

/** A served file whose PDB was fitted with every model (AUTO), PDT with the Gaussian only. */
async function serveModels(dir: string) {
  const run = makeRun(2, { steps: 41, samples: 8 });
  for (const scan of run.scans) {
    scan.modelFits = {
      PDB: profileModels(profileOf(scan, "PDB", "ch1"), "auto")!,
    };
  }
  const path = await writeScanFile(`${dir}/fws03_models.h5`, run);
  const file = await readScanFile(path);
  const server = await startPlotServer(file, {
    file: "fws03_models.h5",
    struck: "PDB",
    iops: "ch1",
    scannerIndex: 3,
  });
  return { file, server };
}

Deno.test("/api/models: every model of the file with its curve, ΔAICc, and a 404 that says why", async () => {
  await ensureBundle();
  await withTmp(async (dir) => {
    const { file, server } = await serveModels(dir);
    try {
      const r = await fetch(`${server.url}api/models?scan=2&struck=PDB`);
      assertEquals(r.status, 200);
      const got = await r.json() as ModelsPayload;
      const stored = file.scans[1].modelFits!.PDB;
      assertEquals(got.asked, "auto");
      assertEquals(got.chosen, stored.chosen);
      assertEquals(
        got.models.map((m) => m.name),
        stored.fits.map((f) => f.model),
      );
      assertEquals(got.models.length, 6);
      const best = Math.min(
        ...stored.fits.filter((f) => f.ok).map((f) => f.aicc),
      );
      for (const [k, m] of got.models.entries()) {
        const f = stored.fits[k];
        if (!m.ok) continue;
        assertAlmostEquals(m.daicc!, f.aicc - best, 1e-9);
        assertEquals(m.params.map((p) => p.value), f.params);
        const want = modelCurve({
          model: f.model as ModelName,
          params: f.params,
        }, got.x);
        m.curve.forEach((v, i) =>
          assertAlmostEquals(v!, want[i], 1e-9 * (1 + Math.abs(want[i])))
        );
      }
      // ΔAICc is against the best; the Gaussian stays chosen unless another
      // model wins by more than 10
      assertEquals(
        Math.min(...got.models.filter((m) => m.ok).map((m) => m.daicc!)),
        0,
      );
      assert(
        got.models.find((m) => m.name === got.chosen)!.daicc! <= got.margin,
      );
      assertEquals(got.margin, 10);
      assert(got.y.some((v) => v !== null));
      const gaussOnly = await fetch(
        `${server.url}api/models?scan=1&struck=PDT`,
      );
      assertEquals(gaussOnly.status, 404);
      assertMatch(
        await gaussOnly.text(),
        /scan_001 has no model fits of PDT: the request fitted the Gaussian only/,
      );
      const html = await (await fetch(server.url)).text();
      assertMatch(html, /<section id="models">/);
      // the fit table names the chosen model of each scan
      const fits = await (await fetch(
        `${server.url}api/fits?struck=PDB&iops=ch1`,
      )).json();
      assertEquals(fits.rows[1].model.name, stored.chosen);
      assertMatch(html, /data-key="model"/);
    } finally {
      await server.close();
    }
  });
});

Deno.test({
  name: "the models section in Chromium: the chosen model, curves on demand",
  ignore: missingReference("chromium"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    await withTmp(async (dir) => {
      const { server } = await serveModels(dir);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("pageerror", (e) => problems.push(e.message));
        await page.goto(server.url);
        const curves = () =>
          page.evaluate(() =>
            (globalThis as unknown as {
              __fws: { models?: { curves: number } };
            })
              .__fws.models?.curves
          );
        await page.waitForFunction(() =>
          (globalThis as unknown as { __fws: { models?: unknown } }).__fws
            .models !== undefined
        );
        assertMatch(
          await page.locator("#models-choice").innerText(),
          /^Asked: auto\. Chosen: \S.*\((the runner-up's AICc is [\d.]+ higher|kept: .* has an AICc only [\d.]+ lower; a model replaces the Gaussian when lower by more than 10)\)\. Fitted against ch1\.$/,
        );
        const before = (await curves())!;
        assert(before === 1 || before === 2, `curves at first: ${before}`);
        await page.check("tr[data-model=q_gauss] input");
        await page.waitForFunction(
          (n) =>
            (globalThis as unknown as {
              __fws: { models?: { curves: number } };
            })
              .__fws.models?.curves === n,
          before + 1,
        );
        await page.waitForSelector("[data-chart=models] canvas");
        assertEquals(problems, []);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  },
});
