/**
 * Multi-wire analysis speed: one three-wire (x, u, y) fly stroke of 1e6
 * samples × 2 channels analysed by fws — the stroke cut into the wires'
 * windows, six Gaussian fits, the wire-size correction and the beam ellipse
 * per channel — against scipy's `curve_fit` doing the same six fits alone
 * (Debian python3-scipy), in the same run. Goal: ratio ≤ 1.0×.
 *
 * Policy as in fit_bench.ts: scipy gets each window's points and fws's
 * initial guess as `p0`, and is timed around `curve_fit` only, inside a
 * long-running python process; runs interleave after a warm-up; medians.
 * Given windows and the automatic split are both timed for fws.
 *
 * Run: `deno task bench fork`
 *
 * @module
 */
import { initialGuess } from "../lib/analysis/mod.ts";
import { wireRegions } from "../lib/analysis/wires.ts";
import { fitWires } from "../lib/analysis/wire_fit.ts";
import { beamShape } from "../lib/analysis/beam_shape.ts";
import { checkWires, type WireSpec } from "../lib/pvmap/wires.ts";
import { forkSignal, simFork } from "../lib/sim/fork.ts";
import { SeededRandom } from "../lib/sim/beam.ts";
import type { CaseSpec } from "../tests/analysis/fit_cases.ts";
import { ScipyServer } from "../tests/analysis/scipy_ref.ts";
import { median } from "./table.ts";

const N = 1_000_000;
const ROUNDS = 7;
const WARMUP = 1;

const fork = simFork("xuy", { diameter: 0.03 });
const stage = new Float64Array(N);
for (let i = 0; i < N; i++) stage[i] = -30 + (60 * i) / (N - 1);
const channels = [["PDB", 1], ["PDT", 0.6]].map(([name, amplitude], k) => ({
  name: name as string,
  y: forkSignal(stage, {
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
      amplitude: amplitude as number,
      background: 0.05,
      noise: 0.01,
    },
    beamOn: true,
    random: new SeededRandom(100 + k),
  }),
}));
const table = (window: "given" | "auto"): WireSpec[] =>
  checkWires(fork.map((w) => ({
    name: w.name,
    angle: w.angle,
    offset: w.offset,
    diameter: w.diameter,
    window: window === "auto" ? "auto" : [w.offset - 7.5, w.offset + 7.5],
  })));
const given = table("given");
const auto = table("auto");

function analyse(wires: readonly WireSpec[]): number {
  const t0 = performance.now();
  for (const ch of channels) {
    const fits = fitWires({ x: stage, y: ch.y, points: "sample" }, wires);
    const shape = beamShape(fits.map((f) => ({
      angle: f.angle,
      sigma: f.sigmaBeam,
      sigmaErr: f.sigmaBeamErr,
    })));
    if (!shape.ok) throw new Error(`${ch.name}: ${shape.message}`);
  }
  return (performance.now() - t0) / 1e3;
}

/** scipy's six fits of the same windows, from fws's initial guess. */
function scipyRuns(wires: readonly WireSpec[], tag: string) {
  return channels.flatMap((ch) =>
    wireRegions({ x: stage, y: ch.y }, wires).map((r) => {
      const g = initialGuess(r.x, r.y);
      if (!g.ok) throw new Error(`${ch.name} ${r.wire.name}: ${g.message}`);
      const name = `fork_${tag}_${ch.name}_${r.wire.name}`;
      return {
        label: name,
        data: { spec: { name } as CaseSpec, x: r.x, y: r.y },
        p0: [g.amplitude, g.center, g.sigma, g.offset],
      };
    })
  );
}
const runs = scipyRuns(given, "given");
const autoRuns = scipyRuns(auto, "auto");
const scipy = await ScipyServer.start([...runs, ...autoRuns]);
const fwsGiven: number[] = [], fwsAuto: number[] = [];
const ref: number[] = [], refAuto: number[] = [];
const load = Deno.loadavg();
try {
  for (let k = -WARMUP; k < ROUNDS; k++) {
    const a = analyse(given);
    let s = 0;
    for (const run of runs) s += (await scipy.time(run.label)).seconds;
    const b = analyse(auto);
    let t = 0;
    for (const run of autoRuns) t += (await scipy.time(run.label)).seconds;
    if (k < 0) continue;
    fwsGiven.push(a);
    ref.push(s);
    fwsAuto.push(b);
    refAuto.push(t);
  }
} finally {
  await scipy.close();
}
const ms = (s: number) => (s * 1e3).toFixed(0);
const [g, s] = [median(fwsGiven), median(ref)];
const [a, t] = [median(fwsAuto), median(refAuto)];
console.log(
  "| three-wire stroke, 1e6 samples × 2 channels | fws [ms] | six curve_fit [ms] | ratio (goal ≤ 1.0×) | met |",
);
console.log("|---|---|---|---|---|");
console.log(
  `| given windows: split, six fits, size correction, beam ellipse | ${
    ms(g)
  } | ${ms(s)} | **${(g / s).toFixed(2)}×** | ${g / s <= 1 ? "yes" : "no"} |`,
);
console.log(
  `| automatic split: the same, windows found (scipy fits the split's windows) | ${
    ms(a)
  } | ${ms(t)} | **${(a / t).toFixed(2)}×** | ${a / t <= 1 ? "yes" : "no"} |`,
);
console.log(
  `\nMedian of ${ROUNDS} interleaved rounds after ${WARMUP} warm-up; load average ${
    load.map((l) => l.toFixed(2)).join(" ")
  } → ${
    Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
  } on ${navigator.hardwareConcurrency} CPUs.`,
);
