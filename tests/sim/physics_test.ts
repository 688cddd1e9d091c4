import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "../support/assert.ts";
import {
  beamSignal,
  channelBeam,
  detectorWaveform,
  iopsCalibration,
  iopsWaveform,
  resolveBeam,
  SeededRandom,
} from "../../lib/sim/beam.ts";
import { sampleTrajectory } from "../../lib/sim/motor.ts";

Deno.test("SeededRandom: same seed, same sequence; other seed, other sequence", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const xs = Array.from({ length: 10 }, () => a.normal());
  assertEquals(Array.from({ length: 10 }, () => b.normal()), xs);
  assertNotEquals(Array.from({ length: 10 }, () => c.normal()), xs);
});

Deno.test("SeededRandom: uniforms in [0,1) and normals with mean 0, std 1", () => {
  const r = new SeededRandom(7);
  let sum = 0;
  let sum2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert(u >= 0 && u < 1, `uniform ${u} out of [0,1)`);
    const z = r.normal();
    sum += z;
    sum2 += z * z;
  }
  assertAlmostEquals(sum / n, 0, 0.03);
  assertAlmostEquals(Math.sqrt(sum2 / n), 1, 0.03);
});

Deno.test("beamSignal: Gaussian peak at the centre plus background", () => {
  const beam = {
    center: 1,
    sigma: 2,
    amplitude: 3,
    background: 0.5,
    noise: 0,
  };
  assertAlmostEquals(beamSignal(1, beam), 3.5, 1e-12);
  assertAlmostEquals(beamSignal(3, beam), 3 * Math.exp(-0.5) + 0.5, 1e-12);
  assertAlmostEquals(beamSignal(-1, beam), beamSignal(3, beam), 1e-12);
  assertAlmostEquals(beamSignal(100, beam), 0.5, 1e-12);
});

Deno.test("resolveBeam: per-channel values fall back to the top level", () => {
  const beam = resolveBeam({
    center: -1,
    channels: { PDB: { sigma: 0.5 } },
  });
  assertEquals(channelBeam(beam, "PDB").sigma, 0.5);
  assertEquals(channelBeam(beam, "PDB").center, -1);
  assertEquals(channelBeam(beam, "PDT").center, -1);
  assertEquals(channelBeam(beam, "PDT").amplitude, 0.6); // default PDT
  assertEquals(channelBeam(beam, "XYZ").amplitude, 1);
  assertThrows(() => resolveBeam({ sigma: 0 }), /sigma: expected a positive/);
  assertThrows(() => resolveBeam({ center: NaN }), /center: expected a finite/);
  assertThrows(() => resolveBeam({ noise: -1 }), /noise: expected ≥ 0/);
});

Deno.test("detectorWaveform: mean follows the beam, spread the noise, beam off leaves background", () => {
  const beam = {
    center: 0,
    sigma: 1,
    amplitude: 2,
    background: 0.1,
    noise: 0.05,
  };
  const at = new Float64Array(5000).fill(0);
  const on = detectorWaveform(at, {
    beam,
    beamOn: true,
    random: new SeededRandom(1),
  });
  const mean = on.reduce((a, b) => a + b, 0) / on.length;
  const std = Math.sqrt(
    on.reduce((a, b) => a + (b - mean) ** 2, 0) / (on.length - 1),
  );
  assertAlmostEquals(mean, 2.1, 0.005);
  assertAlmostEquals(std, 0.05, 0.005);
  const off = detectorWaveform(at, {
    beam,
    beamOn: false,
    random: new SeededRandom(1),
  });
  const offMean = off.reduce((a, b) => a + b, 0) / off.length;
  assertAlmostEquals(offMean, 0.1, 0.005);
});

Deno.test("iopsWaveform: CH1 reads the position, CH2 its second calibration", () => {
  const beam = resolveBeam({ positionNoise: 0 });
  const x = Float64Array.of(-5, 0, 5);
  const random = new SeededRandom(1);
  const ch1 = iopsWaveform(x, {
    noise: 0,
    calibration: iopsCalibration(beam, 0),
    random,
  });
  const ch2 = iopsWaveform(x, {
    noise: 0,
    calibration: iopsCalibration(beam, 1),
    random,
  });
  assertEquals(Array.from(ch1), [-5, 0, 5]);
  assertAlmostEquals(ch2[0], -5 * 1.002 + 0.01, 1e-12);
  assertAlmostEquals(ch2[1], 0.01, 1e-12);
  assertAlmostEquals(ch2[2], 5 * 1.002 + 0.01, 1e-12);
});

Deno.test("sampleTrajectory: rest, motion and rest again, sampled evenly in time", () => {
  const segments = [{ t0: 1, t1: 3, p0: 0, p1: 4 }];
  const x = sampleTrajectory(segments, {
    t0: 0,
    t1: 4,
    n: 9,
    restPosition: 0,
  });
  assertEquals(Array.from(x), [0, 0, 0, 1, 2, 3, 4, 4, 4]);
  const none = sampleTrajectory([], { t0: 0, t1: 1, n: 3, restPosition: 2 });
  assertEquals(Array.from(none), [2, 2, 2]);
  const two = sampleTrajectory([
    { t0: 0, t1: 1, p0: 0, p1: 1 },
    { t0: 2, t1: 3, p0: 1, p1: -1 },
  ], { t0: 0, t1: 3, n: 7, restPosition: 0 });
  assertEquals(Array.from(two), [0, 0.5, 1, 1, 1, 0, -1]);
});
