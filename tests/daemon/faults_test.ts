import type { LogicalName } from "../../lib/pvmap/mod.ts";
/**
 * Faults: the IOC dies mid-scan and comes back; SIGTERM mid-scan.
 */
import { CAClient } from "../../lib/ca/mod.ts";
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { FAST_SIM, makeRig, text } from "./rig.ts";
import { nextFinalState, spawnDaemon, waitHeartbeat } from "./subprocess.ts";

const num = (v: unknown) => Number(v);

Deno.test("daemon: IOC killed mid-scan → ERROR, partial file kept; IOC back → next request works", async () => {
  const rig = await makeRig({ sim: { acquisitionTime: 0.02 } });
  try {
    const udpPort = rig.sim.udpPort;
    await rig.setInputs({
      mode: 0,
      startPos: -3,
      endPos: 3,
      nSteps: 60,
      nScans: 2,
    });
    const outcome = rig.nextOutcome(15);
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
    await rig.waitFor("scan.progress", (v) => num(v) >= 10);
    await rig.sim.close();
    const o = await outcome;
    assertEquals(o.status, "error", o.message);
    assertMatch(o.message, /lost connection|timed out|disconnect/i);
    const run = await readScanFile(o.file);
    assertEquals(run.status, "aborted");
    assertEquals(run.scans.length, 1);
    assert(run.scans[0].positionsReadback.length >= 6, "data so far kept");

    // the IOC comes back on the same search port
    rig.sim = await startSimulator({
      scannerIndex: 7,
      testMode: true,
      seed: 12,
      ...FAST_SIM,
      server: { intfAddrList: ["127.0.0.1"], udpPort, serverPort: 0 },
    });
    // the daemon publishes its held state again
    await rig.waitFor("scan.state", (v) => num(v) === 8, 15);
    assertMatch(await rig.msg(), /lost connection|timed out|disconnect/i);
    const next = await rig.request({
      mode: 0,
      startPos: -3,
      endPos: 3,
      nSteps: 15,
      nScans: 1,
    });
    assertEquals(next.status, "completed", next.message);
    assertEquals(await rig.state(), "DONE");
    assertEquals((await readScanFile(next.file)).status, "completed");
  } finally {
    await rig.close();
  }
});

Deno.test("daemon: SIGTERM mid-scan stops the motor, closes the file as aborted, exits 0 within 5 s", async () => {
  const sim = await startSimulator({
    scannerIndex: 7,
    testMode: true,
    seed: 3,
    ...FAST_SIM,
    acquisitionTime: 0.02,
  });
  const dir = await Deno.makeTempDir({ prefix: "fws-sigterm-" });
  const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
  const pv = (l: LogicalName) => sim.interface.requirePv(l);
  const daemon = spawnDaemon(
    [
      "7",
      "--test-mode",
      "--log-dir",
      `${dir}/log`,
      "--data-dir",
      `${dir}/data`,
    ],
    { addrList: sim.addrList },
  );
  try {
    await waitHeartbeat(ca, pv("scan.heartbeat"), 45, daemon.stderr);
    for (
      const [k, v] of Object.entries({
        mode: 0,
        startPos: -3,
        endPos: 3,
        nSteps: 80,
        nScans: 1,
      })
    ) {
      await ca.put(pv(`scan.${k}` as LogicalName), v, { wait: true });
    }
    await ca.put(pv("scan.start"), 1, { wait: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no progress")), 10000);
      const sub = ca.monitor(pv("scan.progress"), (v) => {
        if (num(v.value) >= 10) {
          clearTimeout(timer);
          queueMicrotask(() => sub.cancel());
          resolve();
        }
      });
    });
    const t0 = performance.now();
    daemon.child.kill("SIGTERM");
    const status = await daemon.exited(8);
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(status.code, 0, daemon.stderr());
    assert(seconds < 5, `exited after ${seconds.toFixed(2)} s`);
    const files = [...Deno.readDirSync(`${dir}/data`)].map((e) => e.name);
    const h5 = files.filter((f) => f.endsWith(".h5"));
    assertEquals(h5.length, 1, `files: ${files.join(", ")}`);
    const run = await readScanFile(`${dir}/data/${h5[0]}`);
    assertEquals(run.status, "aborted");
    assert(run.scans[0].positionsReadback.length >= 8);
    assertEquals(
      text((await ca.get(pv("scan.msg"))).value).includes("SIGTERM"),
      true,
    );
    assert(!sim.motor.moving, "motor stopped");
    const log = await Deno.readTextFile(`${dir}/log/fws-daemon.log`);
    assertMatch(log, /SIGTERM/);
  } finally {
    try {
      daemon.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await daemon.exited(5).catch(() => {});
    await ca.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  }
});

export { nextFinalState };
