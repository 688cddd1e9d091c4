/**
 * The daemon with a three-wire fork, against the simulated IOC: one fly
 * stroke over an x-u-y fork (automatic windows) and a tilted beam gives a
 * fit per wire and the beam ellipse, on PVs (FIT:<CH>:<WIRE>:…, BEAM:…) and
 * in the file, with the simulated tilt recovered.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { forkCurve } from "../../lib/analysis/wire_fit.ts";
import { beamCovariance, simFork } from "../../lib/sim/fork.ts";
import { checkWires } from "../../lib/pvmap/mod.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeRig } from "./rig.ts";

Deno.test("daemon: a fly stroke over an x-u-y fork gives per-wire fits and the beam's tilt, on PVs and in the file", async () => {
  const wires = checkWires(
    simFork("xuy", { diameter: 0.03 }).map((w) => ({ ...w, window: "auto" })),
  );
  const beam = { sigma: 1.2, sigmaY: 0.7, tilt: 20, centerY: 0.1 };
  const rig = await makeRig({
    sim: { pvMap: { wires }, beam, flySampleRate: 4000, maxSamples: 20000 },
    daemon: { pvMap: { wires } },
  });
  try {
    const outcome = await rig.request({
      mode: "FLY",
      startPos: -25,
      endPos: 25,
      speed: 20,
      nScans: 1,
    }, 40);
    assertEquals(outcome.status, "completed", outcome.message);
    const run = await readScanFile(outcome.file);
    assertEquals(run.wires?.map((w) => w.name), ["X", "U", "Y"]);
    const scan = run.scans[0];
    const perWire = scan.wireFits!.PDB;
    assertEquals(perWire.map((w) => [w.wire, w.fit.ok]), [
      ["X", true],
      ["U", true],
      ["Y", true],
    ]);
    const shape = scan.beamShapes!.PDB;
    assert(shape.ok, shape.message);
    const cov = beamCovariance({
      sigmaA: beam.sigma,
      sigmaB: beam.sigmaY,
      tilt: beam.tilt,
      centerX: 0,
      centerY: 0,
    });
    const within = (name: string, v: number, err: number, truth: number) =>
      assert(
        Math.abs(v - truth) <= 4 * err + 1e-3 * Math.abs(truth),
        `${name}: ${v} ± ${err}, simulated ${truth}`,
      );
    within("tilt", shape.tilt, shape.tiltErr, beam.tilt);
    within("σx", shape.sigmaX, shape.sigmaXErr, Math.sqrt(cov.xx));
    within("σy", shape.sigmaY, shape.sigmaYErr, Math.sqrt(cov.yy));
    // the PVs carry the last repetition's results
    const value = async (name: string) =>
      (await rig.ca.get(`${rig.sim.interface.prefix}${name}`, { timeout: 3 }))
        .value as number;
    assertEquals(await value("BEAM:TILT"), shape.tilt);
    assertEquals(await value("BEAM:TILT_ERR"), shape.tiltErr);
    assertEquals(await value("BEAM:SIGMA_XY"), shape.sigmaXY);
    assertEquals(await value("FIT:PDB:U:SIGMA_BEAM"), perWire[1].sigmaBeam);
    assertEquals(
      await value("FIT:PDT:Y:CENTER"),
      scan.wireFits!.PDT[2].fit.center,
    );
    assertEquals(await value("FIT:PDB:X:OK"), 1);
    // each wire's σ floor counts its own size (d/4), in the file and on PVs
    for (const w of perWire) {
      const b = w.budget!;
      assertEquals(b.wire, 0.03 / 4, w.wire);
      assert(
        b.floor > b.wire && b.floor < w.fit.sigma,
        `${w.wire}: ${b.floor}`,
      );
      assertEquals(b.belowFloor, false);
    }
    assertEquals(
      await value("FIT:PDB:U:SIGMA_FLOOR"),
      perWire[1].budget!.floor,
    );
    assertEquals(await value("FIT:PDB:U:SIGMA_LOW"), 0);
    // the live view's fit curve is each wire's fit in its window
    const array = async (name: string) =>
      (await rig.ca.get(`${rig.sim.interface.prefix}${name}`, { timeout: 3 }))
        .value as Float64Array;
    const pos = await array("LIVE:POS");
    const curve = await array("LIVE:FIT:PDB");
    assert(
      pos.length > 100 && curve.length === pos.length,
      `${pos.length} ${curve.length}`,
    );
    assertEquals(curve, forkCurve(pos, run.wires!, perWire));
    // both directions: the stroke check is published per wire
    const both = await rig.request({ nScans: 2, bidir: 1 }, 60);
    assertEquals(both.status, "completed", both.message);
    const run2 = await readScanFile(both.file);
    const [fwd, bwd] = run2.scans.map((s) => s.wireFits!.PDB[1].fit);
    const shift = await value("FIT:PDB:U:STROKE_SHIFT");
    const err = await value("FIT:PDB:U:STROKE_SHIFT_ERR");
    assertEquals(shift, bwd.center - fwd.center);
    assertEquals(err, Math.hypot(fwd.centerErr, bwd.centerErr));
    assert(
      Math.abs(shift) < 5 * err,
      `no readout lag simulated: ${shift} ± ${err}`,
    );
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: a position readout late by 4 ms shows as a centre shift growing with speed, flagged on the PVs and in the file", async () => {
  const wires = checkWires(
    simFork("xuy", { diameter: 0.03 }).map((w) => ({ ...w, window: "auto" })),
  );
  const lag = 0.004;
  const rig = await makeRig({
    sim: {
      pvMap: { wires },
      beam: { sigma: 1.2, sigmaY: 0.7, tilt: 20, readoutLag: lag },
      flySampleRate: 4000,
      maxSamples: 20000,
    },
    daemon: { pvMap: { wires } },
  });
  try {
    const request = {
      mode: "FLY",
      startPos: -25,
      endPos: 25,
      nScans: 2,
      bidir: 1,
    } as const;
    const slow = await rig.request({ ...request, speed: 20 }, 60);
    assertEquals(slow.status, "completed", slow.message);
    const one = (await readScanFile(slow.file)).scans[1].wireFits!.PDB[0];
    // one speed: the shift is there (2vτ), but a static offset looks alike
    assert(one.stroke, "the second stroke carries the stroke check");
    assert(
      Math.abs(one.stroke.centerShift - 2 * 20 * lag) <
        5 * one.stroke.centerShiftErr + 0.01,
      `shift ${one.stroke.centerShift} ± ${one.stroke.centerShiftErr}, expected ${
        2 * 20 * lag
      }`,
    );
    assertEquals([one.stroke.speeds, one.stroke.growsWithSpeed], [1, false]);
    const sig = () =>
      rig.ca.get(rig.pv("fit.PDB.X.strokeLagSig"), {
        form: "time",
        timeout: 3,
      });
    assert(Number.isNaN((await sig()).value as number));

    const fast = await rig.request({ ...request, speed: 40 }, 60);
    assertEquals(fast.status, "completed", fast.message);
    const run = await readScanFile(fast.file);
    for (const w of run.scans[1].wireFits!.PDB) {
      const k = w.stroke!;
      assertEquals([w.wire, k.speeds, k.growsWithSpeed], [w.wire, 2, true]);
      assert(
        Math.abs(k.lag - lag) < 4 * k.lagErr + 2e-4,
        `${w.wire}: lag ${k.lag} ± ${k.lagErr}, simulated ${lag}`,
      );
      assert(/grows with speed/.test(k.message), k.message);
    }
    // the daemon's puts are not waited for: watch the PV take the value
    await rig.waitFor(
      "fit.PDB.X.strokeLagSig",
      (v) => Number.isFinite(v as number),
      10,
    );
    const flag = await sig();
    assert((flag.value as number) >= 5, `significance ${flag.value}`);
    assertEquals([flag.severity, flag.status], [2, 3]); // MAJOR, HIHI
    const ms = (await rig.ca.get(rig.pv("fit.PDB.U.strokeLag")))
      .value as number;
    assertEquals(ms, run.scans[1].wireFits!.PDB[1].stroke!.lag * 1e3);
    const text = formatReport(inspectReport(fast.file, run));
    assert(
      /stroke check PDB/.test(text) && /LAG centre shift grows/.test(text),
      text,
    );
  } finally {
    await rig.close();
  }
});
