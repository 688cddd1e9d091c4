/**
 * The multi-wire analysis against an independent reference (Debian
 * python3-scipy and numpy, `wires_ref.py`): scipy curve_fit of each wire's
 * window, the wire-size correction, and σ_x, σ_y, σ_xy, tilt and
 * correlation with numerically propagated errors, on the same stroke. They
 * agree to 1e-6 relative.
 */
import { assert } from "../support/assert.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { initialGuess } from "../../lib/analysis/mod.ts";
import { wireRegions } from "../../lib/analysis/wires.ts";
import { checkWires } from "../../lib/pvmap/wires.ts";
import { fitWires } from "../../lib/analysis/wire_fit.ts";
import { beamShape } from "../../lib/analysis/beam_shape.ts";
import { forkSignal, simFork } from "../../lib/sim/fork.ts";
import { SeededRandom } from "../../lib/sim/beam.ts";

const SCRIPT = new URL("./wires_ref.py", import.meta.url).pathname;

function relative(ours: number, ref: number): number {
  return Math.abs(ours - ref) / Math.abs(ref);
}

Deno.test({
  name:
    "wires: per-wire fits and the beam ellipse agree with scipy and numpy to 1e-6",
  ignore: missingReference("scipy"),
  async fn() {
    const fork = simFork("xuy", { diameter: 0.05 });
    const n = 6000;
    const x = Float64Array.from(
      { length: n },
      (_, i) => -30 + 60 * i / (n - 1),
    );
    const y = forkSignal(x, {
      wires: fork,
      ellipse: {
        sigmaA: 1.2,
        sigmaB: 0.7,
        tilt: 20,
        centerX: 0.3,
        centerY: -0.2,
      },
      beam: {
        center: 0,
        sigma: 1,
        amplitude: 1,
        background: 0.05,
        noise: 0.01,
      },
      beamOn: true,
      random: new SeededRandom(42),
    });
    const wires = checkWires(fork.map((w) => ({
      name: w.name,
      angle: w.angle,
      offset: w.offset,
      diameter: w.diameter,
      window: [w.offset - 7, w.offset + 7],
    })));
    const fits = fitWires({ x, y, points: "one sample per point" }, wires);
    const shape = beamShape(
      fits.map((f) => ({
        angle: f.angle,
        sigma: f.sigmaBeam,
        sigmaErr: f.sigmaBeamErr,
      })),
    );
    assert(shape.ok, shape.message);
    const regions = wireRegions({ x, y }, wires);
    const dir = await Deno.makeTempDir({ prefix: "fws-wires-ref-" });
    try {
      await Deno.writeFile(`${dir}/x.f64`, new Uint8Array(x.buffer));
      await Deno.writeFile(`${dir}/y.f64`, new Uint8Array(y.buffer));
      await Deno.writeTextFile(
        `${dir}/manifest.json`,
        JSON.stringify({
          wires: wires.map((w, k) => {
            const g = initialGuess(regions[k].x, regions[k].y);
            if (!g.ok) throw new Error(`wire ${w.name}: ${g.message}`);
            return {
              ...w,
              p0: [g.amplitude, g.center, g.sigma, g.offset],
            };
          }),
        }),
      );
      const out = await new Deno.Command(SYSTEM_PYTHON, {
        args: [SCRIPT, dir],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert(out.success, new TextDecoder().decode(out.stderr));
      const ref = JSON.parse(text);
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
          worst.push([`${f.wire}.${key}`, relative(ours, theirs)]);
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
        worst.push([`shape.${key}`, relative(ours, theirs)]);
      }
      const bad = worst.filter(([, r]) => !(r <= 1e-6));
      assert(
        bad.length === 0,
        `not within 1e-6 relative: ${
          bad.map(([k, r]) => `${k} ${r.toExponential(2)}`).join(", ")
        }`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
