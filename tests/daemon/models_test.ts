/**
 * FIT:MODEL against the simulated IOC: AUTO fits every profile model and
 * names the one the data support (a Gaussian beam: GAUSS) with the
 * runner-up's ΔAICc on FIT:<CH>:MODEL / DAICC; one model asked for is
 * fitted alone; the file holds every model's fit under fit/<CH>/models/
 * (h5py sees them); GAUSS, the default, leaves today's file as it was.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { MODEL_NAMES } from "../../lib/analysis/model_fields.ts";
import { FIT_MODEL_CHOICES } from "../../lib/analysis/fit_fields.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";
import { FWSScanInterface, parsePvMap } from "../../lib/pvmap/mod.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { makeRig } from "./rig.ts";

Deno.test("the fit-model choices are GAUSS, AUTO and every model of the registry", () => {
  assertEquals([...FIT_MODEL_CHOICES], [
    "gauss",
    "auto",
    ...MODEL_NAMES.filter((m) => m !== "gauss"),
  ]);
});

Deno.test("daemon: FIT:MODEL AUTO names the model the profile supports; one model is fitted alone; GAUSS writes today's file", async () => {
  const rig = await makeRig();
  try {
    const plain = await rig.request({ mode: "STEP", nSteps: 31, nScans: 1 });
    assertEquals(plain.status, "completed", plain.message);
    const before = await readScanFile(plain.file);
    assert(!("modelFits" in before.scans[0]), "no models for GAUSS");
    assert(!("fit_model" in before.scanArgs));

    await rig.ca.put(rig.pv("fit.model"), "AUTO", { wait: true });
    const auto = await rig.request({ nScans: 1 });
    assertEquals(auto.status, "completed", auto.message);
    const run = await readScanFile(auto.file);
    assertEquals(run.scanArgs.fit_model, "auto");
    const choice = run.scans[0].modelFits!.PDB;
    assertEquals(choice.asked, "auto");
    assertEquals(choice.chosen, "gauss", JSON.stringify(choice));
    assertEquals(choice.fits.map((f) => f.model), [...MODEL_NAMES]);
    const model = await rig.ca.get(rig.pv("fit.PDB.model"), { timeout: 3 });
    assertEquals(model.value, 0); // GAUSS
    const dAicc = (await rig.ca.get(rig.pv("fit.PDB.dAicc"))).value as number;
    assertEquals(dAicc, choice.deltaAicc);
    // fws inspect shows the choice and every model's AICc
    const report = inspectReport(auto.file, run);
    assertEquals(report.models!.PDB[0].chosen, "gauss");
    assertEquals(Object.keys(report.models!.PDB[0].aicc), [...MODEL_NAMES]);
    const text = formatReport(report);
    assert(/models PDB \(AICc; lower is better\)/.test(text), text);
    assert(/scan_001 +auto +gauss/.test(text), text);
    assert(!("models" in inspectReport(plain.file, before)));
    // the Gaussian among the models is today's fit of the channel
    const gauss = choice.fits[0];
    assert(
      Math.abs(gauss.params[1] - run.scans[0].fits.PDB.center) <=
        1e-3 * run.scans[0].fits.PDB.centerErr,
      `${gauss.params[1]} vs ${run.scans[0].fits.PDB.center}`,
    );

    await rig.ca.put(rig.pv("fit.model"), "SPLIT_GAUSS", { wait: true });
    const split = await rig.request({ nScans: 1 });
    assertEquals(split.status, "completed", split.message);
    const one = (await readScanFile(split.file)).scans[0].modelFits!.PDT;
    assertEquals([one.chosen, one.fits.length], ["split_gauss", 1]);
    assertEquals(
      (await rig.ca.get(rig.pv("fit.PDT.model"))).value,
      MODEL_NAMES.indexOf("split_gauss"),
    );
    if (!missingReference("h5py")) {
      const r = await new Deno.Command(SYSTEM_PYTHON, {
        args: [
          "-c",
          `import h5py, sys, json
f = h5py.File(sys.argv[1], "r")
m = f["/scan_001/fit/PDT/models"]
g = m["split_gauss"]
print(json.dumps([m.attrs["chosen"], float(g["sigma_left"][()]), g["sigma_left"].attrs["units"], bool(g["converged"][()])]))`,
          split.file,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(r.success, new TextDecoder().decode(r.stderr));
      const [chosen, left, units, ok] = JSON.parse(
        new TextDecoder().decode(r.stdout),
      );
      assertEquals([chosen, units, ok], ["split_gauss", "mm", true]);
      assertEquals(left, one.fits[0].params[2]);
    }
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: the map file's models per channel, unless FIT:MODEL asks for more; malformed entries are refused with the key", async () => {
  assertThrows(
    () => parsePvMap(JSON.stringify({ models: { PDB: "cubic" } }), "map.json"),
    /map\.json: 'models\.PDB' is "cubic"; expected one of gauss, auto, gauss_linear/,
  );
  assertThrows(
    () =>
      new FWSScanInterface(1, {
        map: parsePvMap('{"models": {"PDX": "auto"}}'),
      }),
    /'models\.PDX' names no Struck channel; expected one of PDB, PDT/,
  );
  const map = parsePvMap(JSON.stringify({ models: { PDT: "SPLIT_GAUSS" } }));
  const rig = await makeRig({ daemon: { pvMap: map } });
  try {
    const r = await rig.request({ mode: "STEP", nSteps: 31, nScans: 1 });
    assertEquals(r.status, "completed", r.message);
    const scan = (await readScanFile(r.file)).scans[0];
    assertEquals(Object.keys(scan.modelFits ?? {}), ["PDT"]);
    assertEquals(scan.modelFits!.PDT.chosen, "split_gauss");
    await rig.ca.put(rig.pv("fit.model"), "DOUBLE_GAUSS", { wait: true });
    const all = await rig.request({ nScans: 1 });
    const both = (await readScanFile(all.file)).scans[0].modelFits!;
    assertEquals(Object.keys(both).sort(), ["PDB", "PDT"]);
    assertEquals(both.PDT.asked, "double_gauss");
  } finally {
    await rig.close();
  }
});
