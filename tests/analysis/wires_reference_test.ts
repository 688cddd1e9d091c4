/**
 * The multi-wire results of a scan file against an independent reference
 * (Debian python3-h5py, python3-scipy and numpy, `wires_ref.py`): the
 * reference reads the stroke and the wire table from the file itself, fits
 * each wire's window with scipy curve_fit, corrects σ for the wire's size
 * and computes σ_x, σ_y, σ_xy, tilt and correlation with numerically
 * propagated errors. They agree with what the file holds to 1e-6 relative.
 */
import { assert } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { initialGuess } from "../../lib/analysis/mod.ts";
import { wireRegions } from "../../lib/analysis/wires.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { readScanFile, writeScanFile } from "../../lib/hdf5/mod.ts";
import { makeForkRun, tempDir } from "../hdf5/fixtures.ts";

const SCRIPT = new URL("./wires_ref.py", import.meta.url).pathname;

function relative(ours: number, ref: number): number {
  return Math.abs(ours - ref) / Math.abs(ref);
}

Deno.test({
  name:
    "wires: a file's per-wire fits and beam ellipse agree with scipy and numpy on the file's own data to 1e-6",
  ignore: missingReference("scipy") || missingReference("h5py"),
  async fn() {
    const dir = tempDir();
    try {
      const path = await writeScanFile(`${dir}/fork.h5`, makeForkRun());
      const run = await readScanFile(path);
      const scan = run.scans[0];
      const wires = run.wires!;
      for (const ch of ["PDB", "PDT"]) {
        const fits = scan.wireFits![ch];
        const shape = scan.beamShapes![ch];
        assert(shape.ok, shape.message);
        // the references start where fws started: its initial guess per window
        const regions = wireRegions(profileOf(scan, ch, "ch1"), wires);
        const p0 = Object.fromEntries(regions.map((r) => {
          const g = initialGuess(r.x, r.y);
          if (!g.ok) throw new Error(`wire ${r.wire.name}: ${g.message}`);
          return [r.wire.name, [g.amplitude, g.center, g.sigma, g.offset]];
        }));
        const out = await new Deno.Command(SYSTEM_PYTHON, {
          args: [SCRIPT, path, scan.name, ch, "ch1", JSON.stringify(p0)],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(out.success, new TextDecoder().decode(out.stderr));
        const ref = JSON.parse(new TextDecoder().decode(out.stdout));
        const worst: [string, number][] = [];
        fits.forEach((f, k) => {
          const r = ref.wires[k];
          const pairs: [string, number, number][] = [
            ["amplitude", f.fit.amplitude, r.popt[0]],
            ["center", f.fit.center, r.popt[1]],
            ["sigma", f.fit.sigma, Math.abs(r.popt[2])],
            ["centerErr", f.fit.centerErr, r.perr[1]],
            ["sigmaErr", f.fit.sigmaErr, r.perr[2]],
            ["sigmaBeam", f.sigmaBeam, r.sigma_beam],
            ["sigmaBeamErr", f.sigmaBeamErr, r.sigma_beam_err],
          ];
          for (const [key, ours, theirs] of pairs) {
            worst.push([`${ch}.${f.wire}.${key}`, relative(ours, theirs)]);
          }
        });
        const s = ref.shape;
        const shapePairs: [string, number, number][] = [
          ["sigmaX", shape.sigmaX, s.sigma_x],
          ["sigmaY", shape.sigmaY, s.sigma_y],
          ["sigmaXY", shape.sigmaXY, s.sigma_xy],
          ["tilt", shape.tilt, s.tilt],
          ["correlation", shape.correlation, s.correlation],
          ["sigmaXErr", shape.sigmaXErr, s.sigma_x_err],
          ["sigmaYErr", shape.sigmaYErr, s.sigma_y_err],
          ["sigmaXYErr", shape.sigmaXYErr, s.sigma_xy_err],
          ["tiltErr", shape.tiltErr, s.tilt_err],
          ["correlationErr", shape.correlationErr, s.correlation_err],
        ];
        for (const [key, ours, theirs] of shapePairs) {
          worst.push([`${ch}.shape.${key}`, relative(ours, theirs)]);
        }
        const bad = worst.filter(([, r]) => !(r <= 1e-6));
        assert(
          bad.length === 0,
          `not within 1e-6 relative: ${
            bad.map(([k, r]) => `${k} ${r.toExponential(2)}`).join(", ")
          }`,
        );
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
