import type { FitPvField } from "../../lib/pvmap/mod.ts";
/**
 * The daemon against the simulated IOC over real sockets: step and fly scans
 * with 1 and 3 repetitions; the file and the fit PVs agree with the
 * simulator's beam within the fit's standard errors.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { channelBeam } from "../../lib/sim/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { makeRig, type Rig, text } from "./rig.ts";

/** |a − b| ≤ k·err + floor, with a message that shows the numbers. */
function agrees(
  what: string,
  fitted: number,
  truth: number,
  err: number,
  k = 5,
  floor = 0.01,
) {
  assert(
    Number.isFinite(fitted) && Math.abs(fitted - truth) <= k * err + floor,
    `${what}: fitted ${fitted} ± ${err}, simulator ${truth}`,
  );
}

async function checkFitPvs(rig: Rig, ch: string) {
  const beam = channelBeam(rig.sim.beam, ch);
  const get = async (f: FitPvField) =>
    Number((await rig.ca.get(rig.pv(`fit.${ch}.${f}`), { timeout: 3 })).value);
  const [center, sigma, centerErr, sigmaErr, ok] = await Promise.all(
    (["center", "sigma", "centerErr", "sigmaErr", "ok"] as const).map(get),
  );
  assertEquals(ok, 1, `FIT:${ch}:OK`);
  agrees(`FIT:${ch}:CENTER`, center, beam.center, centerErr);
  agrees(`FIT:${ch}:SIGMA`, sigma, beam.sigma, sigmaErr);
}

Deno.test("daemon: step scan, 1 repetition, file + fit PVs match the beam", async () => {
  const rig = await makeRig();
  try {
    const outcome = await rig.request({
      mode: 0,
      startPos: -5,
      endPos: 5,
      nSteps: 31,
      nScans: 1,
      settle: 0,
      user: "tester",
      comment: "step 1",
    });
    assertEquals(outcome.status, "completed", outcome.message);
    assertEquals(await rig.state(), "DONE");
    assertMatch(outcome.file, /fws07_\d{8}_\d{6}(_\d+)?\.h5$/);
    assertEquals(
      text((await rig.ca.get(rig.pv("scan.file"))).value),
      outcome.file,
    );
    assertEquals(
      Number((await rig.ca.get(rig.pv("scan.progress"))).value),
      100,
    );
    const run = await readScanFile(outcome.file);
    assertEquals(run.status, "completed");
    assertEquals(run.user, "tester");
    assertEquals(run.scannerIndex, 7);
    assertEquals(run.testMode, true);
    assertEquals(run.scans.length, 1);
    const scan = run.scans[0];
    assertEquals(scan.name, "scan_001");
    assertEquals(scan.positionsPlanned.length, 31);
    assertEquals(scan.struck.PDB.shape[0], 31);
    assertEquals(scan.iops.ch1.shape[0], 31);
    assertEquals(scan.beam.current.values.length, 31);
    for (let i = 0; i < 31; i++) {
      assert(
        Math.abs(scan.positionsReadback[i] - scan.positionsPlanned[i]) < 0.02,
      );
    }
    for (const ch of ["PDB", "PDT"]) {
      const fit = scan.fits[ch];
      assert(fit.ok, `${ch} fit ok: ${fit.message}`);
      const beam = channelBeam(rig.sim.beam, ch);
      agrees(`${ch} center in file`, fit.center, beam.center, fit.centerErr);
      agrees(`${ch} sigma in file`, fit.sigma, beam.sigma, fit.sigmaErr);
      await checkFitPvs(rig, ch);
    }
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: step scan, 3 repetitions with BIDIR", async () => {
  const rig = await makeRig();
  try {
    const outcome = await rig.request({
      mode: "STEP",
      startPos: -4,
      endPos: 4,
      nSteps: 21,
      nScans: 3,
      bidir: "Yes",
    });
    assertEquals(outcome.status, "completed", outcome.message);
    const run = await readScanFile(outcome.file);
    assertEquals(run.scans.map((s) => s.name), [
      "scan_001",
      "scan_002",
      "scan_003",
    ]);
    assertEquals(run.scans.map((s) => s.direction), [
      "forward",
      "backward",
      "forward",
    ]);
    assertEquals(run.scans[1].positionsPlanned[0], 4);
    for (const scan of run.scans) {
      assertEquals(scan.status, "completed");
      assert(scan.fits.PDB.ok, scan.fits.PDB.message);
      agrees(
        `${scan.name} PDB center`,
        scan.fits.PDB.center,
        rig.sim.beam.center,
        scan.fits.PDB.centerErr,
      );
    }
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: fly scan, 1 and 3 repetitions", async () => {
  const rig = await makeRig();
  try {
    const one = await rig.request({
      mode: "FLY",
      startPos: -5,
      endPos: 5,
      speed: 50,
      nScans: 1,
    });
    assertEquals(one.status, "completed", one.message);
    const run1 = await readScanFile(one.file);
    assertEquals(run1.scans.length, 1);
    const scan = run1.scans[0];
    assertEquals(scan.mode, "fly");
    assert(
      scan.struck.PDB.data.length > 100,
      `fly samples: ${scan.struck.PDB.data.length}`,
    );
    assertEquals(scan.struck.PDB.data.length, scan.iops.ch1.data.length);
    for (const ch of ["PDB", "PDT"]) {
      const fit = scan.fits[ch];
      assert(fit.ok, fit.message);
      const beam = channelBeam(rig.sim.beam, ch);
      agrees(
        `${ch} fly center`,
        fit.center,
        beam.center,
        fit.centerErr,
        5,
        0.02,
      );
      agrees(`${ch} fly sigma`, fit.sigma, beam.sigma, fit.sigmaErr, 5, 0.02);
      await checkFitPvs(rig, ch);
    }
    const three = await rig.request({ nScans: 3, bidir: 1 });
    assertEquals(three.status, "completed", three.message);
    const run3 = await readScanFile(three.file);
    assertEquals(run3.scans.length, 3);
    assertEquals(run3.scans.map((s) => s.direction), [
      "forward",
      "backward",
      "forward",
    ]);
    assert(run3.scans.every((s) => s.fits.PDB.ok));
    // the motor speed is restored after a fly scan
    assertEquals(Number((await rig.ca.get(rig.pv("motor.velo"))).value), 200);
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: DMOV completion, and inputs typed as strings by a user", async () => {
  const rig = await makeRig({
    daemon: {
      tuning: {
        motor: { completion: "dmov" },
        suspender: { resumeDelay: 0.05, threshold: 1 },
      },
    },
  });
  try {
    const outcome = await rig.request({
      mode: "STEP",
      startPos: "-4.5",
      endPos: " 4.5",
      nSteps: "19",
      nScans: "1",
      bidir: "No",
      user: "typed by hand",
    });
    assertEquals(outcome.status, "completed", outcome.message);
    assertEquals(outcome.config?.startPos, -4.5);
    assertEquals(outcome.config?.nSteps, 19);
    const run = await readScanFile(outcome.file);
    const scan = run.scans[0];
    assertEquals(scan.positionsPlanned.length, 19);
    for (let i = 0; i < 19; i++) {
      assert(
        Math.abs(scan.positionsReadback[i] - scan.positionsPlanned[i]) < 0.02,
        `step ${i}: readback ${scan.positionsReadback[i]} vs ${
          scan.positionsPlanned[i]
        }`,
      );
    }
    assertEquals(run.user, "typed by hand");
    assert(scan.fits.PDB.ok, scan.fits.PDB.message);
  } finally {
    await rig.close();
  }
});
