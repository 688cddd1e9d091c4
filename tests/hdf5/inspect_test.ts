import { writeScanFile } from "../../lib/hdf5/mod.ts";
import {
  formatReport,
  inspectMain,
  type InspectReport,
  inspectReport,
} from "../../lib/hdf5/inspect.ts";
import { UsageError } from "../../lib/cli.ts";
import { summarizeFits } from "../../lib/analysis/mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";
import { makeRun, tempDir } from "./fixtures.ts";

/** Runs inspectMain capturing console.log / console.error. */
async function capture(
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await inspectMain(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

function failedRun() {
  const run = makeRun(3);
  const f = run.scans[2].fits.PDT;
  run.scans[2].fits.PDT = {
    ...f,
    ok: false,
    message: "no peak: significance below 5σ",
    amplitude: NaN,
    center: NaN,
    sigma: NaN,
    offset: NaN,
    amplitudeErr: NaN,
    centerErr: NaN,
    sigmaErr: NaN,
    offsetErr: NaN,
  };
  return run;
}

Deno.test("inspect --json: stable shape, nulls for non-finite, summary over ok fits", async () => {
  const dir = tempDir();
  try {
    const run = failedRun();
    const path = await writeScanFile(`${dir}/i.h5`, run);
    const { code, out, err } = await capture([path, "--json"]);
    assertEquals([code, err], [0, ""]);
    const report: InspectReport = JSON.parse(out);
    assertEquals(Object.keys(report), [
      "file",
      "fileFormat",
      "scannerIndex",
      "testMode",
      "user",
      "comment",
      "startTime",
      "endTime",
      "status",
      "message",
      "source",
      "scanArgs",
      "scans",
      "channels",
      "fits",
    ]);
    assertEquals(report.file, path);
    assertEquals(report.scannerIndex, 3);
    assertEquals(report.scanArgs, run.scanArgs);
    assertEquals(report.channels, ["PDB", "PDT"]);
    assertEquals(report.scans.length, 3);
    assertEquals(report.scans[0].points, 21);
    assertEquals(report.scans[0].struck.PDB, { shape: [21, 8], units: "V" });
    assertEquals(report.scans[0].beam.energy, { length: 21, units: "MeV" });
    assertEquals(report.fits.PDB.units, { x: "mm", y: "V" });
    for (const row of [...report.fits.PDB.scans, ...report.fits.PDT.scans]) {
      assertEquals(Object.keys(row), [
        "scan",
        "ok",
        "message",
        "iopsChannel",
        "weighting",
        "points",
        "amplitude",
        "amplitudeErr",
        "center",
        "centerErr",
        "sigma",
        "sigmaErr",
        "offset",
        "offsetErr",
        "chi2Red",
        "residualRms",
        "rSquared",
        "fwhm",
        "rms",
        "centroid",
        "nPoints",
        "iterations",
        "nEvaluations",
      ]);
    }
    assertEquals(report.fits.PDB.scans[1].sigma, run.scans[1].fits.PDB.sigma);
    const bad = report.fits.PDT.scans[2];
    assertEquals([bad.ok, bad.sigma, bad.message], [
      false,
      null,
      "no peak: significance below 5σ",
    ]);
    const expected = summarizeFits(run.scans.map((s) => s.fits.PDT));
    assertEquals(report.fits.PDT.summary.sigma, expected.sigma);
    assertEquals(report.fits.PDT.summary.sigma.n, 2);
    // the report is what inspectReport builds, byte for byte
    assertEquals(out, JSON.stringify(inspectReport(path, run), null, 2));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("inspect text: metadata, scans, channels and the fit table", async () => {
  const dir = tempDir();
  try {
    const run = failedRun();
    const path = await writeScanFile(`${dir}/t.h5`, run);
    const { code, out } = await capture([path]);
    assertEquals(code, 0);
    assertMatch(out, /^file {8}.*t\.h5$/m);
    assertMatch(out, /^format {6}fws-scan\/1$/m);
    assertMatch(out, /^scanner {5}03 \(test mode\)$/m);
    assertMatch(out, /^scans {7}3$/m);
    assertMatch(out, /^ {2}scan_002 +step +backward +completed +21 steps/m);
    assertMatch(out, /^struck {6}PDB \[V\] 21×8, PDT \[V\] 21×8$/m);
    assertMatch(out, /^fit PDB \(x from ch1\)$/m);
    assertMatch(out, /center \[mm\] +sigma \[mm\] +amplitude \[V\]/);
    const s = run.scans[0].fits.PDB;
    const digits = 1 - Math.floor(Math.log10(s.sigmaErr));
    assert(
      out.includes(
        `${s.sigma.toFixed(digits)} ± ${s.sigmaErr.toFixed(digits)}`,
      ),
      "sigma ± error rounded to the error's 2 significant digits",
    );
    assertMatch(out, /^ {2}scan_003 +NO +— +—/m);
    assertMatch(out, /^ {2}mean ± std +2\/3 /m);
    assertMatch(out, /^ {2}scan_003: no peak: significance below 5σ$/m);
    assertEquals(out, formatReport(inspectReport(path, run)));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("inspect: one clear line and exit 1 for a bad file", async () => {
  const dir = tempDir();
  try {
    Deno.writeTextFileSync(`${dir}/notes.h5`, "not hdf5");
    for (
      const [file, pattern] of [
        [`${dir}/missing.h5`, /missing\.h5: no such file$/],
        [`${dir}/notes.h5`, /notes\.h5: is not an HDF5 file/],
      ] as const
    ) {
      const { code, out, err } = await capture([file, "--json"]);
      assertEquals([code, out], [1, ""]);
      assertMatch(err, /^fws inspect: /);
      assertMatch(err, pattern);
      assertEquals(err.split("\n").length, 1);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("inspect: --help, and usage errors are UsageError", async () => {
  const help = await capture(["--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.out, /^Usage: fws inspect <file\.h5> \[--json\]/);
  await assertRejects(() => inspectMain([]), /fws inspect: missing file\.h5/);
  const e = await assertRejects(() => inspectMain(["a.h5", "--bogus"]));
  assert(e instanceof UsageError);
  await assertRejects(
    () => inspectMain(["a.h5", "b.h5"]),
    /unexpected argument 'b\.h5'/,
  );
});

Deno.test("fws inspect through main.ts (restricted to read, env, sys): exit codes and output", async () => {
  const dir = tempDir();
  try {
    const path = await writeScanFile(`${dir}/m.h5`, makeRun(1));
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const fws = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", `--config=${config}`, "-P=fws", main, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const d = new TextDecoder();
      return {
        code: out.code,
        out: d.decode(out.stdout),
        err: d.decode(out.stderr).replace(
          /.*Permissions in the config.*\n/g,
          "",
        ),
      };
    };
    const ok = await fws("inspect", path, "--json");
    assertEquals([ok.code, ok.err], [0, ""]);
    assertEquals(JSON.parse(ok.out).scans.length, 1);
    const bad = await fws("inspect", `${dir}/missing.h5`);
    assertEquals(bad.code, 1);
    assertEquals(bad.err, `fws inspect: ${dir}/missing.h5: no such file\n`);
    const usage = await fws("inspect");
    assertEquals(usage.code, 2);
    assertMatch(usage.err, /^fws inspect: missing file\.h5/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
