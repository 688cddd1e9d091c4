/**
 * The live view over Channel Access, against the simulated IOC: EPICS's own
 * camonitor on LIVE:PDB sees the profile grow step by step, its last value
 * is the file's profile of the last repetition (as `profileOf` forms it),
 * LIVE:FIT:PDB is the file's fit on LIVE:POS; a PV map that drops LIVE:PDB
 * and LIVE:POS (`null`) still completes the request normally.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { gaussianCurve } from "../../lib/analysis/models.ts";
import { samples } from "../../lib/scan/ca_port.ts";
import { Camonitor } from "../support/epics.ts";
import { missingReference } from "../support/refs.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";
import { makeRig } from "./rig.ts";

const STEPS = 30;
const INPUTS = {
  mode: 0,
  startPos: -3,
  endPos: 3,
  nSteps: STEPS,
  nScans: 2,
  settle: 0,
  bidir: 1,
};

/** camonitor's line "<pv> <date> <time> <count> <v…>" as numbers. */
function arrayOf(line: string): number[] {
  const fields = line.trim().split(/\s+/).slice(3);
  const count = Number(fields[0]);
  return fields.slice(1, 1 + count).map(Number);
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what = "",
) {
  assertEquals(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-12 * Math.max(1, Math.abs(expected[i]));
    assertAlmostEquals(
      actual[i],
      expected[i],
      tol,
      `${what} element ${i}: ${Array.from(actual).slice(0, 3)} vs ${
        Array.from(expected).slice(0, 3)
      }`,
    );
  }
}

Deno.test({
  name:
    "live over CA: camonitor sees LIVE:PDB grow step by step; its last value is the file's profile of the last repetition",
  ignore: missingReference("epics"),
  async fn() {
    const rig = await makeRig({ sim: { acquisitionTime: 0.005 } });
    const mon = Camonitor.start(["-g17", rig.pv("live.daq.PDB")], {
      port: rig.sim.udpPort,
    });
    try {
      await mon.nextLine(10); // the current value
      const o = await rig.request(INPUTS, 60);
      assertEquals(o.status, "completed", o.message);
      // camonitor has the updates sent before the outcome: read until the
      // last repetition's full profile
      // (a clear may be coalesced with the first step's update: a
      // repetition ends where the profile is full)
      const counts: number[] = [];
      let last: number[] = [];
      let full = 0;
      while (full < 2) {
        last = arrayOf(await mon.nextLine(10));
        if (full === 1 && last.length > 0) counts.push(last.length);
        if (last.length === STEPS) full++;
      }
      for (let i = 1; i < counts.length; i++) {
        assert(counts[i] > counts[i - 1], `grows: ${counts.join(",")}`);
      }
      assert(counts.length >= STEPS / 2, `saw ${counts.join(",")}`);
      const run = await readScanFile(o.file);
      const scan = run.scans[run.scans.length - 1];
      assertEquals(scan.direction, "backward");
      const profile = profileOf(scan, "PDB", "ch1");
      assertEquals(profile.y.length, STEPS);
      assertClose(last, profile.y, "LIVE:PDB");
      // POS, REP, DIR and the fit curve on the same positions
      const get = async (
        l: Parameters<typeof rig.pv>[0],
      ) => (await rig.ca.get(rig.pv(l), { timeout: 3 }));
      assertClose(samples(await get("live.pos")), profile.x, "LIVE:POS");
      assertEquals(Number((await get("live.rep")).value), 2);
      assertEquals(Number((await get("live.dir")).value), 1);
      const fit = scan.fits.PDB;
      assert(fit.ok, fit.message);
      const curve = samples(await get("live.fit.PDB"));
      assertClose(curve, gaussianCurve(fit, profile.x), "LIVE:FIT:PDB");
    } finally {
      await mon.close();
      await rig.close();
    }
  },
});

Deno.test({
  name:
    "live over CA: a map with LIVE:PDB and LIVE:POS null still completes the request; LIVE:PDT is published",
  ignore: missingReference("epics"),
  async fn() {
    const rig = await makeRig({
      daemon: { pvMap: { pvs: { "live.daq.PDB": null, "live.pos": null } } },
    });
    try {
      const o = await rig.request({ ...INPUTS, nSteps: 10, nScans: 1 }, 60);
      assertEquals(o.status, "completed", o.message);
      const pdt = samples(await rig.ca.get(rig.pv("live.daq.PDT")));
      assertEquals(pdt.length, 10);
      const pdb = samples(await rig.ca.get(rig.pv("live.daq.PDB")));
      assertEquals(pdb.length, 0);
    } finally {
      await rig.close();
    }
  },
});
