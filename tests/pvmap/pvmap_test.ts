import { failedFit } from "../../lib/analysis/mod.ts";
import { FIT_FIELDS, FIT_OK_PV } from "../../lib/analysis/fit_fields.ts";
import {
  defaultPvSpecs,
  FIT_PV_FIELDS,
  FIT_SUMMARY_PV_FIELDS,
  fitPvValues,
  FWSScanInterface,
  type LogicalName,
  parsePvMap,
} from "../../lib/pvmap/mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertThrows,
} from "../support/assert.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("pvmap: a misspelt logical name does not compile", () => {
  const pvs = new FWSScanInterface(1);
  const ok: LogicalName[] = ["motor.val", "scan.startPos", "fit.PDB.chi2Red"];
  assertEquals(ok.map((l) => pvs.pv(l)), [
    "FWS01:MTR.VAL",
    "FWS01:SCAN:START_POS",
    "FWS01:FIT:PDB:CHI2",
  ]);
  // @ts-expect-error: "motor.vall" is not a logical name
  assertThrows(() => pvs.pv("motor.vall"), /no logical PV 'motor\.vall'/);
  // @ts-expect-error: "scan.startpos" is not a logical name (case matters)
  const bad: LogicalName = "scan.startpos";
  // @ts-expect-error: the fit's old logical suffix is a map-file alias only
  const old: LogicalName = "fit.PDB.chi2";
  assertEquals([bad, old].length, 2);
});

Deno.test("pvmap: the fit PVs are the registry's, with the PV names of before", () => {
  const published = FIT_FIELDS.filter((f) => f.pv !== null);
  assertEquals(
    FIT_PV_FIELDS.map((f) => f.suffix),
    [...published.map((f) => f.pv), FIT_OK_PV],
  );
  assertEquals(
    FIT_PV_FIELDS.map((f) => f.suffix).toSorted(),
    [
      "AMPLITUDE",
      "CENTER",
      "CENTER_ERR",
      "CHI2",
      "OFFSET",
      "OK",
      "SIGMA",
      "SIGMA_ERR",
    ],
  );
  assertEquals(
    FIT_SUMMARY_PV_FIELDS.map((f) => f.suffix).toSorted(),
    [
      "AMPLITUDE_MEAN",
      "AMPLITUDE_STD",
      "CENTER_MEAN",
      "CENTER_STD",
      "OFFSET_MEAN",
      "OFFSET_STD",
      "SIGMA_MEAN",
      "SIGMA_STD",
    ],
  );
  const fits = defaultPvSpecs().filter((s) => s.logical.startsWith("fit."));
  // per channel the registry's fields, their summaries, MODEL, DAICC,
  // DRIFT, DRIFT_REL, the five rejection counts, SIGMA_FLOOR and
  // SIGMA_LOW; and the request's FIT:MODEL
  assertEquals(
    fits.length,
    2 * (FIT_PV_FIELDS.length + FIT_SUMMARY_PV_FIELDS.length + 4 + 5 + 2) + 1,
  );
  assertEquals(
    defaultPvSpecs().filter((s) => /^fit\.PDB\.rej/.test(s.logical))
      .map((s) => s.template),
    [
      "{P}FIT:PDB:REJECTED",
      "{P}FIT:PDB:REJ_NAN",
      "{P}FIT:PDB:REJ_SAT",
      "{P}FIT:PDB:REJ_BEAM",
      "{P}FIT:PDB:REJ_OUTLIER",
    ],
  );
  assertEquals(
    defaultPvSpecs().filter((s) =>
      /^fit\.(PDB\.)?(model|dAicc)$/.test(s.logical)
    )
      .map((s) => s.template),
    ["{P}FIT:MODEL", "{P}FIT:PDB:MODEL", "{P}FIT:PDB:DAICC"],
  );
  assertEquals(
    defaultPvSpecs().find((s) => s.logical === "fit.PDT.sigmaStd")?.template,
    "{P}FIT:PDT:SIGMA_STD",
  );
  const fit = { ...failedFit("test"), center: 1.5, chi2Red: 0.9, ok: true };
  const values = new Map(fitPvValues(fit));
  assertEquals(values.get("center"), 1.5);
  assertEquals(values.get("chi2Red"), 0.9);
  assertEquals(values.get("ok"), 1);
  assertEquals(new Map(fitPvValues(failedFit("x"))).get("ok"), 0);
});

Deno.test("pvmap: the old map-file name fit.<CH>.chi2 is accepted with a warning naming both", () => {
  const told: string[] = [];
  const map = parsePvMap(
    JSON.stringify({ pvs: { "fit.PDB.chi2": "{P}PDB:CHI2RED" } }),
  );
  const pvs = new FWSScanInterface(4, {
    map,
    onWarning: (m) => told.push(m),
  });
  assertEquals(pvs.pv("fit.PDB.chi2Red"), "FWS04:PDB:CHI2RED");
  assertEquals(pvs.pv("fit.PDT.chi2Red"), "FWS04:FIT:PDT:CHI2");
  assertEquals(told.length, 1);
  assertEquals(pvs.warnings, told);
  assertMatch(told[0], /'fit\.PDB\.chi2'.*'fit\.PDB\.chi2Red'/);
  const nulled = new FWSScanInterface(4, {
    map: { pvs: { "fit.PDT.chi2": null } },
    onWarning: () => {},
  });
  assertEquals(nulled.pv("fit.PDT.chi2Red"), null);
  assertThrows(
    () =>
      new FWSScanInterface(4, {
        map: { pvs: { "fit.PDB.chi2": "A", "fit.PDB.chi2Red": "B" } },
        onWarning: () => {},
      }),
    /name the same PV/,
  );
  assertThrows(
    () => new FWSScanInterface(4, { map: { pvs: { "fit.PMT.chi2": "A" } } }),
    /unknown logical name 'fit\.PMT\.chi2'/,
  );
});

Deno.test("pvmap: typed views of the motor and the data PVs", () => {
  const pvs = new FWSScanInterface(2, {
    testMode: true,
    map: {
      channels: { struck: ["PMT"] },
      pvs: { "motor.stop": null, "idc.current": "{P}IDC" },
    },
  });
  const motor = pvs.motorPvs();
  assertEquals(motor.val, "Test:FWS02:MTR.VAL");
  assertEquals(motor.rbv, "Test:FWS02:MTR.RBV");
  assertEquals(motor.dmov, "Test:FWS02:MTR.DMOV");
  assertEquals(motor.stop, null);
  const daq = pvs.daqPvs();
  assertEquals(daq.acquire, "Test:FWS02:DAQ:ACQUIRE");
  assertEquals(daq.struck, {
    PMT: { pv: "Test:FWS02:DAQ:PMT", units: "V" },
  });
  assertEquals(Object.keys(daq.iops), ["ch1", "ch2"]);
  assertEquals(daq.iops.ch1, { pv: "Test:FWS02:IOPS:CH1", units: "mm" });
  assertEquals(daq.idc.current, { pv: "Test:FWS02:IDC", units: "mA" });
  assertEquals(daq.beam.energy.units, "MeV");
});

async function importsOf(dir: URL): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    out.set(
      entry.name,
      [...text.matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map((
        m,
      ) => m[1]),
    );
  }
  return out;
}

/** `file specifier` of every type-only import or re-export in `dir`. */
async function typeImportsOf(dir: URL): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    for (
      const m of text.matchAll(
        /^(?:import|export) type [^;]*?from "([^"]+)"/gms,
      )
    ) {
      out.add(`${entry.name} ${m[1]}`);
    }
  }
  return out;
}

Deno.test("pvmap: the PV map is a leaf; scan, sim, hdf5, analysis never import the daemon", async () => {
  const typeOnly = await typeImportsOf(new URL("lib/pvmap/", ROOT));
  for (
    const [file, specifiers] of await importsOf(new URL("lib/pvmap/", ROOT))
  ) {
    for (const s of specifiers) {
      assert(
        s.startsWith("./") || s === "../analysis/fit_fields.ts" ||
          (s === "../scan/model.ts" && typeOnly.has(`${file} ${s}`)),
        `lib/pvmap/${file} imports ${s}; expected only lib/pvmap, the fit-field registry and types of the scan model`,
      );
    }
  }
  for (const area of ["scan", "sim", "hdf5", "analysis"]) {
    for (
      const [file, specifiers] of await importsOf(new URL(`lib/${area}/`, ROOT))
    ) {
      for (const s of specifiers) {
        assert(
          !s.includes("daemon/"),
          `lib/${area}/${file} imports ${s}; expected nothing of lib/daemon`,
        );
      }
    }
  }
});
