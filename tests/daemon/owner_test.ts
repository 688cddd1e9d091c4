/**
 * One daemon per scanner: a second daemon for the same prefix refuses to
 * start, naming the running one (in-process and as `fws daemon` processes
 * with exit code 1); a daemon that died is taken over; a clean stop clears
 * SCAN:OWNER.
 */
import { startDaemon } from "../../lib/daemon/mod.ts";
import { ScannerOwnedError } from "../../lib/daemon/owner.ts";
import { textToChars } from "../../lib/daemon/status.ts";
import { textOf } from "../../lib/scan/ca_port.ts";
import { FAST_TUNING, makeRig } from "./rig.ts";
import { spawnDaemon } from "./subprocess.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../support/assert.ts";

Deno.test("owner: a second daemon for the same prefix is refused, naming the first; a clean stop clears SCAN:OWNER", async () => {
  const rig = await makeRig();
  try {
    const owner = textOf((await rig.ca.get(rig.pv("scan.owner"))).value);
    assertMatch(owner, new RegExp(`pid ${Deno.pid} fws \\S+ since 20\\d\\d-`));
    const dataDir = await Deno.makeTempDir({ prefix: "fws-owner-test-" });
    try {
      const t0 = performance.now();
      const error = await assertRejects(
        () =>
          startDaemon({
            scannerIndex: 7,
            testMode: true,
            dataDir,
            ca: { addrList: rig.sim.addrList, autoAddrList: false },
            tuning: FAST_TUNING,
          }),
        /Test:FWS07: is already driven by .+ pid/,
      );
      assert(performance.now() - t0 < 10_000, "refused within 10 s");
      assert(error instanceof ScannerOwnedError, String(error));
      assertEquals(error.owner, owner);
      // nothing of the second daemon is left: the first still owns it
      assertEquals(
        textOf((await rig.ca.get(rig.pv("scan.owner"))).value),
        owner,
      );
      const outcome = await rig.request({ nSteps: 5, nScans: 1 });
      assertEquals(outcome.status, "completed");
      assertEquals(
        [...Deno.readDirSync(dataDir)].length,
        0,
        "the refused daemon wrote nothing",
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
    await rig.daemon.stop();
    assertEquals(textOf((await rig.ca.get(rig.pv("scan.owner"))).value), "");
  } finally {
    await rig.close();
  }
});

Deno.test("owner: a daemon that died (owner set, heartbeat still) is taken over", async () => {
  const rig = await makeRig();
  try {
    await rig.daemon.stop();
    // what a killed daemon leaves behind: its name, and a heartbeat that stopped
    const dead = "deadhost pid 4242 fws 0.0.1 since 2026-01-01T00:00:00Z";
    await rig.ca.put(rig.pv("scan.owner"), textToChars(dead), { wait: true });
    const dataDir = await Deno.makeTempDir({ prefix: "fws-owner-test-" });
    try {
      const t0 = performance.now();
      const next = await startDaemon({
        scannerIndex: 7,
        testMode: true,
        dataDir,
        ca: { addrList: rig.sim.addrList, autoAddrList: false },
        tuning: FAST_TUNING,
      });
      const seconds = (performance.now() - t0) / 1000;
      try {
        assert(seconds > 2 && seconds < 10, `took over after ${seconds} s`);
        const owner = textOf((await rig.ca.get(rig.pv("scan.owner"))).value);
        assertMatch(owner, new RegExp(`pid ${Deno.pid} `));
      } finally {
        await next.stop();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  } finally {
    await rig.close();
  }
});

Deno.test("owner: a second `fws daemon` process exits 1 within 10 s naming the running one", async () => {
  const rig = await makeRig();
  const dir = await Deno.makeTempDir({ prefix: "fws-owner-cli-" });
  try {
    const owner = textOf((await rig.ca.get(rig.pv("scan.owner"))).value);
    const t0 = performance.now();
    const second = spawnDaemon([
      "7",
      "--test-mode",
      "--data-dir",
      `${dir}/data`,
      "--log-dir",
      `${dir}/log`,
    ], { addrList: rig.sim.addrList });
    const status = await second.exited(20);
    const seconds = (performance.now() - t0) / 1000;
    assertEquals(status.code, 1, second.stderr());
    assert(seconds < 10, `exited after ${seconds} s`);
    assert(
      second.stderr().includes(`already driven by ${owner}`),
      second.stderr(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await rig.close();
  }
});
