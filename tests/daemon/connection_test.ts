/**
 * Connection at start-up, as an operator reads the log: a daemon whose IOC
 * cannot be reached says so within 5 s of its start, naming the PVs and
 * where it searches, and again later; a daemon whose IOC is there says
 * nothing of the kind, and "IOC connection back" only after a loss.
 */
import { freePort } from "../support/epics.ts";
import { assert, assertMatch } from "../support/assert.ts";
import { spawnDaemon } from "./subprocess.ts";
import { FAST_SIM } from "./rig.ts";
import { startSimulator } from "../../lib/sim/mod.ts";

/** Resolves when `read()` matches `pattern` (polling the pumped stderr). */
async function waitForLine(
  read: () => string,
  pattern: RegExp,
  timeout: number,
): Promise<number> {
  const t0 = performance.now();
  while (!pattern.test(read())) {
    if (performance.now() - t0 > timeout * 1000) {
      throw new Error(
        `no line matching ${pattern} within ${timeout} s:\n${read()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return (performance.now() - t0) / 1000;
}

Deno.test("connection: an unreachable IOC is a WARNING naming the PVs and the search addresses within 5 s of the start", async () => {
  const port = await freePort(); // nothing serves Channel Access there
  const dir = await Deno.makeTempDir({ prefix: "fws-conn-test-" });
  const spawned = performance.now();
  const daemon = spawnDaemon([
    "9",
    "--test-mode",
    "--data-dir",
    `${dir}/data`,
    "--log-dir",
    `${dir}/log`,
  ], { addrList: [`127.0.0.1:${port}`] });
  try {
    await waitForLine(daemon.stderr, /daemon for scanner 9 started/, 20);
    await waitForLine(daemon.stderr, /\[WRN\].*PVs not connected/, 10);
    // 5 s after the daemon's start, plus the process's own start-up
    const seconds = (performance.now() - spawned) / 1000;
    const line = daemon.stderr().split("\n").find((l) =>
      /PVs not connected/.test(l)
    )!;
    assert(seconds <= 7, `warned ${seconds} s after the spawn`);
    assertMatch(line, /Test:FWS09:SCAN:START/);
    assertMatch(line, new RegExp(`searching 127\\.0\\.0\\.1:${port}`));
    assertMatch(line, /EPICS_CA_ADDR_LIST/);
    assert(!/connection back/.test(daemon.stderr()), daemon.stderr());
  } finally {
    daemon.child.kill("SIGTERM");
    await daemon.exited(10);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connection: with the IOC there, no connection warning and no 'connection back' at the first connect; a loss and a return are logged", async () => {
  const sim = await startSimulator({
    scannerIndex: 8,
    testMode: true,
    ...FAST_SIM,
  });
  const dir = await Deno.makeTempDir({ prefix: "fws-conn-test-" });
  const daemon = spawnDaemon([
    "8",
    "--test-mode",
    "--data-dir",
    `${dir}/data`,
    "--log-dir",
    `${dir}/log`,
  ], { addrList: sim.addrList });
  let restarted: Awaited<ReturnType<typeof startSimulator>> | undefined;
  try {
    await waitForLine(daemon.stderr, /watching Test:FWS08:SCAN:START/, 20);
    // past the first check (5 s after the start)
    await new Promise((r) => setTimeout(r, 5500));
    assert(
      !/not connected|connection back/.test(daemon.stderr()),
      daemon.stderr(),
    );
    const { tcpPort, udpPort } = sim;
    await sim.close();
    await waitForLine(
      daemon.stderr,
      /lost connection to Test:FWS08:SCAN:STATE/,
      20,
    );
    restarted = await startSimulator({
      scannerIndex: 8,
      testMode: true,
      ...FAST_SIM,
      server: { serverPort: tcpPort, udpPort },
    });
    await waitForLine(daemon.stderr, /IOC connection back/, 30);
  } finally {
    daemon.child.kill("SIGTERM");
    await daemon.exited(10);
    await restarted?.close();
    await sim.close().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
