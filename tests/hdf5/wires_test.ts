/**
 * A fork's results in the scan file: the wire table at the root, each
 * wire's fit under its channel's fit, an NXdata group per channel and wire,
 * and the beam ellipse — read back unchanged, and as h5py sees them. A
 * single-wire file has none of these groups.
 */
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { makeForkRun, makeRun, tempDir } from "./fixtures.ts";

Deno.test("a fork's wire table, per-wire fits and beam ellipse round-trip", async () => {
  const dir = tempDir();
  try {
    const run = makeForkRun();
    assert(
      run.scans[0].beamShapes!.PDB.ok,
      run.scans[0].beamShapes!.PDB.message,
    );
    const path = await writeScanFile(`${dir}/fork.h5`, run);
    assertEquals(await readScanFile(path), run);
    // a single-wire run has no fork groups and reads back without the fields
    const single = makeRun(1);
    const back = await readScanFile(
      await writeScanFile(`${dir}/one.h5`, single),
    );
    assertEquals(back, single);
    assert(!("wires" in back) && !("wireFits" in back.scans[0]));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "h5py sees the fork layout: /wires in table order, fit/<CH>/<WIRE>, profile_<CH>_wire_<W>, beam_shape/<CH> with units",
  ignore: missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const run = makeForkRun();
      const path = await writeScanFile(`${dir}/fork.h5`, run);
      const script = `
import h5py, json, sys
f = h5py.File(sys.argv[1], "r")
w = f["/wires"]
s = f["/scan_001"]
out = {
  "order": [x.decode() if isinstance(x, bytes) else x for x in w.attrs["wire_order"]],
  "u_angle": float(w["U"]["angle"][()]), "u_angle_units": w["U"]["angle"].attrs["units"],
  "u_window": [float(w["U"]["window_low"][()]), float(w["U"]["window_high"][()])],
  "fit_y_sigma_beam": float(s["fit/PDB/Y/sigma_beam"][()]),
  "fit_y_center_units": s["fit/PDB/Y/center"].attrs["units"],
  "profile": sorted(k for k in s.keys() if k.startswith("profile_")),
  "profile_u_axes": list(s["profile_PDB_wire_U"].attrs["axes"]),
  "profile_u_n": int(s["profile_PDB_wire_U/position"].shape[0]),
  "tilt": float(s["beam_shape/PDB/tilt"][()]), "tilt_units": s["beam_shape/PDB/tilt"].attrs["units"],
  "sxy_units": s["beam_shape/PDB/sigma_xy"].attrs["units"],
  "ok": bool(s["beam_shape/PDB/ok"][()]),
}
print(json.dumps(out))
`;
      const r = await new Deno.Command(SYSTEM_PYTHON, {
        args: ["-c", script, path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(r.success, new TextDecoder().decode(r.stderr));
      const got = JSON.parse(new TextDecoder().decode(r.stdout));
      const scan = run.scans[0];
      const wires = run.wires!;
      assertEquals(got.order, ["X", "U", "Y"]);
      assertEquals(got.u_angle, 45);
      assertEquals(got.u_angle_units, "deg");
      assertEquals(got.u_window, [...wires[1].window as [number, number]]);
      assertEquals(got.fit_y_sigma_beam, scan.wireFits!.PDB[2].sigmaBeam);
      assertEquals(got.fit_y_center_units, "mm");
      assertEquals(got.profile, [
        "profile_PDB",
        "profile_PDB_wire_U",
        "profile_PDB_wire_X",
        "profile_PDB_wire_Y",
        "profile_PDT",
        "profile_PDT_wire_U",
        "profile_PDT_wire_X",
        "profile_PDT_wire_Y",
      ]);
      assertEquals(got.profile_u_axes, ["position"]);
      assertEquals(got.profile_u_n, scan.wireFits!.PDB[1].fit.nPoints);
      assertEquals(got.tilt, scan.beamShapes!.PDB.tilt);
      assertEquals([got.tilt_units, got.sxy_units, got.ok], [
        "deg",
        "mm^2",
        true,
      ]);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("fws inspect shows the fork: the wire table, each wire's fit and the beam ellipse (text and --json)", async () => {
  const dir = tempDir();
  try {
    const run = makeForkRun();
    const path = await writeScanFile(`${dir}/fork.h5`, run);
    const report = inspectReport(path, await readScanFile(path));
    const fork = report.fork!;
    assertEquals(fork.wires.map((w) => [w.name, w.angle]), [
      ["X", 0],
      ["U", 45],
      ["Y", 90],
    ]);
    const y = fork.fits.PDB.Y[0];
    assertEquals(y.sigmaBeam, run.scans[0].wireFits!.PDB[2].sigmaBeam);
    assertEquals(y.sigmaFloor, run.scans[0].wireFits!.PDB[2].budget!.floor);
    assertEquals(y.belowFloor, false);
    assertEquals(fork.shapes.PDB[0].tilt, run.scans[0].beamShapes!.PDB.tilt);
    const text = formatReport(report);
    for (
      const line of [
        "wire fits PDB (beam coordinates)",
        "sigma floor [mm]",
        "beam shape PDT",
        "wires       X 0° [-22, -8] mm, d 0.05 mm",
      ]
    ) {
      assert(text.includes(line), `missing '${line}' in:\n${text}`);
    }
    assert(/scan_001 +U +yes/.test(text), text);
    const single = inspectReport(path, makeRun(1));
    assert(!("fork" in single), "a single-wire report has no fork section");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
