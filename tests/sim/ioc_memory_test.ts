/** The simulated IOC's PV set and behaviour, in memory (no sockets). */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
} from "../support/assert.ts";
import { FWSScanInterface } from "../../lib/pvmap/mod.ts";
import { resolveBeam } from "../../lib/sim/beam.ts";
import { type SimIocOptions, SimulatedIoc } from "../../lib/sim/ioc.ts";
import { MemoryHost } from "./memory_host.ts";

function makeIoc(
  options: Partial<SimIocOptions> = {},
  map?: ConstructorParameters<typeof FWSScanInterface>[1],
): { host: MemoryHost; ioc: SimulatedIoc; pvs: FWSScanInterface } {
  const host = new MemoryHost();
  const pvs = new FWSScanInterface(3, map);
  const ioc = new SimulatedIoc(host, pvs, {
    beam: resolveBeam({ noise: 0, positionNoise: 0 }),
    acquisitionTime: 0,
    ...options,
  });
  return { host, ioc, pvs };
}

function mean(a: unknown): number {
  const x = a as Float64Array;
  return x.reduce((s, v) => s + v, 0) / x.length;
}

Deno.test("SimulatedIoc: serves every PV of the map plus the SIM knobs", () => {
  const { host, ioc, pvs } = makeIoc();
  for (const { name } of pvs.entries()) assert(host.pvs.has(name), name);
  assert(host.pvs.has("FWS03:MTR"), "motor record alias without field");
  assert(host.pvs.has("FWS03:SIM:BEAM_ON"));
  assert(host.pvs.has("FWS03:SIM:SIGMA"));
  assertEquals(host.pv("FWS03:SCAN:START_POS").value, -5);
  assertEquals(host.pv("FWS03:SCAN:END_POS").value, 5);
  assertEquals(host.pv("FWS03:SCAN:NSTEPS").value, 41);
  assertEquals(host.pv("FWS03:SCAN:NSCANS").value, 1);
  assertEquals(host.pv("FWS03:SCAN:MODE").definition.enumStrings, [
    "STEP",
    "FLY",
  ]);
  assertEquals(host.pv("FWS03:MTR.HLM").value, 50);
  assertEquals(host.pv("FWS03:MTR.LLM").value, -50);
  assertEquals(host.pv("FWS03:MTR.EGU").value, "mm");
  assertEquals(host.pv("FWS03:SCAN:MSG").definition.type, "char");
  assertEquals(host.pv("FWS03:SCAN:STATE").definition.enumStrings?.[0], "IDLE");
  assertEquals(host.pv("FWS03:FIT:PDB:OK").definition.type, "enum");
  assert(host.pv("FWS03:BEAM:CURRENT").value as number > 9);
  ioc.close();
});

Deno.test("SimulatedIoc: step acquisition sees the beam at the wire position", async () => {
  const { host, ioc } = makeIoc({ motor: { instant: true } });
  const beam = ioc.beam;
  for (const x of [beam.center, beam.center + beam.sigma, 8]) {
    await host.put("FWS03:MTR.VAL", x);
    assertEquals(host.pv("FWS03:MTR.RBV").value, x);
    assertEquals(host.pv("FWS03:MTR.VAL").value, x);
    await host.put("FWS03:DAQ:ACQUIRE", 1);
    const d = (x - beam.center) / beam.sigma;
    const expected = beam.amplitude * Math.exp(-0.5 * d * d) + beam.background;
    const pdb = host.pv("FWS03:DAQ:PDB").value as Float64Array;
    assertEquals(pdb.length, 100);
    assertAlmostEquals(mean(pdb), expected, 1e-9);
    assertAlmostEquals(mean(host.pv("FWS03:IOPS:CH1").value), x, 1e-9);
    assertAlmostEquals(
      mean(host.pv("FWS03:IOPS:CH2").value),
      x * 1.002 + 0.01,
      1e-9,
    );
  }
  assertEquals(ioc.acquisitions, 3);
  ioc.close();
});

Deno.test("SimulatedIoc: beam off leaves background and zero current; on brings it back", async () => {
  const { host, ioc } = makeIoc({ motor: { instant: true } });
  await host.put("FWS03:MTR.VAL", ioc.beam.center);
  ioc.setBeamOn(false);
  assertEquals(host.pv("FWS03:BEAM:CURRENT").value, 0);
  assertEquals(host.pv("FWS03:IDC:CURRENT").value, 0);
  assertEquals(host.pv("FWS03:SIM:BEAM_ON").value, 0);
  await host.put("FWS03:DAQ:ACQUIRE", 1);
  assertAlmostEquals(mean(host.pv("FWS03:DAQ:PDB").value), 0.05, 1e-9);
  await host.put("FWS03:SIM:BEAM_ON", 1);
  assert(ioc.beamOn);
  assertAlmostEquals(host.pv("FWS03:BEAM:CURRENT").value as number, 10, 0.1);
  await host.put("FWS03:DAQ:ACQUIRE", 1);
  assertAlmostEquals(mean(host.pv("FWS03:DAQ:PDB").value), 1.05, 1e-9);
  ioc.close();
});

Deno.test("SimulatedIoc: soft limits reject VAL, VELO is clamped, STOP resets", async () => {
  const { host, ioc } = makeIoc();
  await assertRejects(
    () => host.put("FWS03:MTR.VAL", 51),
    /outside the soft limits; expected -50 to 50 mm/,
  );
  assertEquals(host.pv("FWS03:MTR.VAL").value, 0);
  await host.put("FWS03:MTR.HLM", 2);
  await assertRejects(() => host.put("FWS03:MTR.VAL", 3), /expected -50 to 2/);
  await host.put("FWS03:MTR.VELO", 1000);
  assertEquals(host.pv("FWS03:MTR.VELO").value, 20);
  await host.put("FWS03:MTR.VELO", 10);
  const move = host.put("FWS03:MTR.VAL", 2);
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(host.pv("FWS03:MTR.DMOV").value, 0);
  await host.put("FWS03:MTR.STOP", 1);
  await move;
  assertEquals(host.pv("FWS03:MTR.STOP").value, 0);
  assertEquals(host.pv("FWS03:MTR.DMOV").value, 1);
  const stopped = host.pv("FWS03:MTR.RBV").value as number;
  assert(stopped > 0 && stopped < 2, `stopped at ${stopped}`);
  assertEquals(host.pv("FWS03:MTR.VAL").value, stopped);
  ioc.close();
});

Deno.test("SimulatedIoc: acquisition put completes after the acquisition time", async () => {
  const { host, ioc } = makeIoc({ acquisitionTime: 0.15 });
  const t0 = performance.now();
  await host.put("FWS03:DAQ:ACQUIRE", 1);
  const dt = (performance.now() - t0) / 1000;
  assert(dt >= 0.14 && dt < 0.5, `acquisition took ${dt} s`);
  ioc.close();
});

Deno.test("SimulatedIoc: fly acquisition records the trajectory, IOPS in step with Struck", async () => {
  const { host, ioc } = makeIoc({ flySampleRate: 2000 });
  await host.put("FWS03:MTR.VELO", 20);
  await host.put("FWS03:MTR.VAL", -3);
  await host.put("FWS03:SCAN:MODE", 1);
  const acquisition = host.put("FWS03:DAQ:ACQUIRE", 1);
  await new Promise((r) => setTimeout(r, 20));
  await host.put("FWS03:MTR.VAL", 3); // 0.3 s flight
  await acquisition;
  const ch1 = host.pv("FWS03:IOPS:CH1").value as Float64Array;
  const ch2 = host.pv("FWS03:IOPS:CH2").value as Float64Array;
  const pdb = host.pv("FWS03:DAQ:PDB").value as Float64Array;
  assert(ch1.length > 400 && ch1.length < 1000, `${ch1.length} samples`);
  assertEquals(pdb.length, ch1.length);
  assertEquals(ch2.length, ch1.length);
  assertAlmostEquals(ch1[0], -3, 1e-9);
  assertAlmostEquals(ch1.at(-1)!, 3, 1e-9);
  for (let i = 1; i < ch1.length; i++) assert(ch1[i] >= ch1[i - 1]);
  const beam = ioc.beam;
  for (let i = 0; i < ch1.length; i += 37) {
    assertAlmostEquals(ch2[i], ch1[i] * 1.002 + 0.01, 1e-9);
    const d = (ch1[i] - beam.center) / beam.sigma;
    assertAlmostEquals(
      pdb[i],
      beam.amplitude * Math.exp(-0.5 * d * d) + beam.background,
      1e-9,
    );
  }
  ioc.close();
});

Deno.test("SimulatedIoc: fly acquisition with a fixed sample count in zero-latency mode", async () => {
  const { host, ioc } = makeIoc({
    flySamples: 5000,
    maxSamples: 5000,
    motor: { instant: true },
  });
  await host.put("FWS03:SCAN:MODE", 1);
  const acquisition = host.put("FWS03:DAQ:ACQUIRE", 1);
  await host.put("FWS03:MTR.VAL", 4);
  await acquisition;
  const ch1 = host.pv("FWS03:IOPS:CH1").value as Float64Array;
  assertEquals(ch1.length, 5000);
  assertEquals(ch1[0], 0);
  assertEquals(ch1.at(-1), 4);
  ioc.close();
});

Deno.test("SimulatedIoc: same seed gives the same data, another seed other data", async () => {
  const run = async (seed: number) => {
    const { host, ioc } = makeIoc({
      seed,
      beam: resolveBeam({ noise: 0.02 }),
      motor: { instant: true },
    });
    const out: number[] = [];
    for (const x of [-1, 0, 1]) {
      await host.put("FWS03:MTR.VAL", x);
      await host.put("FWS03:DAQ:ACQUIRE", 1);
      out.push(...(host.pv("FWS03:DAQ:PDT").value as Float64Array));
    }
    ioc.close();
    return out;
  };
  const a = await run(5);
  assertEquals(await run(5), a);
  const c = await run(6);
  assert(c.some((v, i) => v !== a[i]));
});

Deno.test("SimulatedIoc: a map file's names, channels and nulls are served as mapped", () => {
  const { host, ioc } = makeIoc({}, {
    testMode: true,
    map: {
      prefix: "LAB{N}-",
      channels: { struck: ["A"], iops: ["x"] },
      pvs: { "idc.current": null, "motor.val": "LAB:WIRE" },
    },
  });
  assert(host.pvs.has("Test:LAB3-DAQ:A"));
  assert(host.pvs.has("Test:LAB3-IOPS:X"));
  assert(host.pvs.has("LAB:WIRE"));
  assert(!host.pvs.has("Test:LAB3-IDC:CURRENT"));
  assert(!host.pvs.has("Test:LAB3-DAQ:PDB"));
  assert(host.pvs.has("Test:LAB3-FIT:A:SIGMA"));
  ioc.close();
});

Deno.test("SimulatedIoc: close releases a pending fly acquisition and leaves no timers", async () => {
  const { host, ioc } = makeIoc({ acquisitionTime: 0.5 });
  await host.put("FWS03:SCAN:MODE", 1);
  const acquisition = host.put("FWS03:DAQ:ACQUIRE", 1);
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  ioc.close();
  await acquisition;
  assert(performance.now() - t0 < 100, "released at once");
  assertEquals(ioc.acquisitions, 0);
});

Deno.test("SimulatedIoc: a fly acquisition without motion records the wire at rest", async () => {
  const { host, ioc } = makeIoc({ motor: { position: 1 } });
  await host.put("FWS03:SCAN:MODE", "FLY");
  const t0 = performance.now();
  await host.put("FWS03:DAQ:ACQUIRE", 1);
  const dt = (performance.now() - t0) / 1000;
  assert(dt >= 1.9 && dt < 3, `waited ${dt} s for motion`);
  const ch1 = host.pv("FWS03:IOPS:CH1").value as Float64Array;
  assertEquals(ch1.length, 100);
  assertAlmostEquals(mean(ch1), 1, 1e-9);
  ioc.close();
});
