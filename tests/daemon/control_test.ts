import type { LogicalName } from "../../lib/pvmap/mod.ts";
/**
 * Request control against the simulated IOC: abort at any moment, beam-loss
 * pause and resume, every bad input refused without motion, a second
 * request refused while one runs.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { makeRig, text } from "./rig.ts";

const num = (v: unknown) => Number(v);

Deno.test("daemon: SCAN:ABORT mid-scan ends cleanly with a partial file", async () => {
  const rig = await makeRig({ sim: { acquisitionTime: 0.02 } });
  try {
    await rig.setInputs({
      mode: 0,
      startPos: -3,
      endPos: 3,
      nSteps: 60,
      nScans: 2,
      settle: 0.01,
    });
    const outcome = rig.nextOutcome();
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor("scan.progress", (v) => num(v) >= 10);
    await rig.ca.put(rig.pv("scan.abort"), 1, { wait: true });
    const o = await outcome;
    assertEquals(o.status, "aborted", o.message);
    assertMatch(o.message, /SCAN:ABORT/);
    assertEquals(await rig.state(), "ABORTED");
    const run = await readScanFile(o.file);
    assertEquals(run.status, "aborted");
    assertEquals(run.scans.length, 1);
    const n = run.scans[0].positionsReadback.length;
    assert(n >= 6 && n < 60, `partial scan rows: ${n}`);
    assertEquals(run.scans[0].status, "aborted");
    // SCAN:ABORT written back to 0, SCAN:START too
    assertEquals(num((await rig.ca.get(rig.pv("scan.abort"))).value), 0);
    assertEquals(num((await rig.ca.get(rig.pv("scan.start"))).value), 0);
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: abort during a move stops the motor (MTR.STOP)", async () => {
  const rig = await makeRig({
    sim: { motor: { velocity: 2, vmax: 10, tickHz: 50 } },
  });
  try {
    await rig.setInputs({
      mode: 0,
      startPos: -8,
      endPos: 8,
      nSteps: 5,
      nScans: 1,
    });
    const outcome = rig.nextOutcome();
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor("motor.rbv", (v) => num(v) < -0.5);
    rig.daemon.bridge.abort("aborted by the test");
    const o = await outcome;
    assertEquals(o.status, "aborted");
    await rig.waitFor("motor.dmov", (v) => num(v) === 1, 2);
    const rbv = num((await rig.ca.get(rig.pv("motor.rbv"))).value);
    assert(rbv > -7, `motor stopped on its way (RBV ${rbv}), not at -8`);
    assert(!rig.sim.motor.moving, "simulated motor still moving");
    assertEquals(await rig.state(), "ABORTED");
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: beam loss pauses the scan, its return resumes it", async () => {
  const rig = await makeRig({ sim: { acquisitionTime: 0.01 } });
  try {
    await rig.setInputs({
      mode: 0,
      startPos: -3,
      endPos: 3,
      nSteps: 40,
      nScans: 1,
      settle: 0,
    });
    const outcome = rig.nextOutcome();
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor("scan.progress", (v) => num(v) >= 20);
    rig.sim.setBeamOn(false);
    await rig.waitFor("scan.msg", (v) => /beam lost/.test(text(v)));
    const before = num((await rig.ca.get(rig.pv("scan.progress"))).value);
    await new Promise((r) => setTimeout(r, 300));
    const during = num((await rig.ca.get(rig.pv("scan.progress"))).value);
    assertEquals(during, before, "no progress while the beam is lost");
    assert(before < 100);
    rig.sim.setBeamOn(true);
    const o = await outcome;
    assertEquals(o.status, "completed", o.message);
    const run = await readScanFile(o.file);
    const current = run.scans[0].beam.current.values;
    assertEquals(current.length, 40);
    assert(current.every((c) => c > 1), "every recorded step had beam");
    assert(run.scans[0].fits.PDB.ok);
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: every bad input is refused with ERROR naming the PV, and nothing moves", async () => {
  const rig = await makeRig();
  try {
    const good = {
      mode: 0,
      startPos: -2,
      endPos: 2,
      nSteps: 11,
      speed: 10,
      nScans: 1,
      settle: 0,
    };
    const cases: [Record<string, number | string>, LogicalName, RegExp][] = [
      [{ startPos: NaN }, "scan.startPos", /expected a number/],
      [{ endPos: -2 }, "scan.endPos", /different from the start/],
      [{ nSteps: 1 }, "scan.nSteps", /from 2 to 10000/],
      [{ nSteps: 20000 }, "scan.nSteps", /from 2 to 10000/],
      [{ endPos: 60 }, "scan.endPos", /-50 to 50 mm.*MTR\.LLM/],
      [{ startPos: -51 }, "scan.startPos", /-50 to 50 mm/],
      [{ mode: 1, speed: 500 }, "scan.speed", /at most 400 mm\/s/],
      [{ mode: 1, speed: 0 }, "scan.speed", /above 0/],
      [{ settle: -1 }, "scan.settle", /from 0 to 3600 s/],
      [{ nScans: 0 }, "scan.nScans", /from 1 to 100/],
      [{ nScans: 101 }, "scan.nScans", /from 1 to 100/],
    ];
    const rbv0 = num((await rig.ca.get(rig.pv("motor.rbv"))).value);
    for (const [bad, logical, pattern] of cases) {
      const o = await rig.request({ ...good, ...bad });
      const label = JSON.stringify(bad);
      assertEquals(o.status, "error", `${label}: ${o.message}`);
      assertEquals(await rig.state(), "ERROR", label);
      const msg = await rig.msg();
      assert(
        msg.includes(rig.pv(logical)),
        `${label}: '${msg}' names ${rig.pv(logical)}`,
      );
      assertMatch(msg, pattern);
      assertEquals(o.file, "", "no file for a refused request");
    }
    assertEquals(
      num((await rig.ca.get(rig.pv("motor.rbv"))).value),
      rbv0,
      "the motor never moved",
    );
    assert(!rig.sim.motor.moving);
    // and a good request still works afterwards
    const ok = await rig.request(good);
    assertEquals(ok.status, "completed", ok.message);
    assertEquals(await rig.state(), "DONE");
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: a second request while one runs is refused with a message", async () => {
  const rig = await makeRig({ sim: { acquisitionTime: 0.02 } });
  try {
    await rig.setInputs({
      mode: 0,
      startPos: -2,
      endPos: 2,
      nSteps: 30,
      nScans: 1,
    });
    const outcome = rig.nextOutcome();
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor("scan.progress", (v) => num(v) > 0);
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor(
      "scan.msg",
      (v) => /refused: a scan is already running/.test(text(v)),
    );
    assertEquals(num((await rig.ca.get(rig.pv("scan.start"))).value), 0);
    const o = await outcome;
    assertEquals(o.status, "completed", o.message);
    const run = await readScanFile(o.file);
    assertEquals(run.scans.length, 1);
    assertEquals(run.scans[0].positionsReadback.length, 30);
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: heartbeat increments every second", async () => {
  const rig = await makeRig({ daemon: { tuning: { heartbeatInterval: 0.1 } } });
  try {
    const a = num(await rig.waitFor("scan.heartbeat", (v) => num(v) > 0, 3));
    await rig.waitFor("scan.heartbeat", (v) => num(v) >= a + 2, 3);
  } finally {
    await rig.close();
  }
});
