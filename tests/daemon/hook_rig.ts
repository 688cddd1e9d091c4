/**
 * A daemon process with a `--custom-callback` module against an in-process
 * `fws sim` (scanner 7, test mode), the step request of the hook tests
 * already set (11 steps from −3 to 3 mm, one repetition): shared by the
 * hook tests and the attack table.
 *
 * @module
 */
import { CAClient } from "../../lib/ca/mod.ts";
import type { LogicalName } from "../../lib/pvmap/mod.ts";
import { type Simulator, startSimulator } from "../../lib/sim/mod.ts";
import { FAST_SIM } from "./rig.ts";
import {
  type DaemonProcess,
  spawnDaemon,
  waitHeartbeat,
} from "./subprocess.ts";

/** The running rig. */
export interface HookRig {
  sim: Simulator;
  ca: CAClient;
  daemon: DaemonProcess;
  /** The data and log directories' parent. */
  dir: string;
  /** The PV name of a logical name. */
  pv(logical: LogicalName): string;
  /** The daemon's log file so far. */
  log(): Promise<string>;
  /** Stops the daemon (SIGKILL if still running), the client and the sim. */
  close(): Promise<void>;
}

/**
 * Starts the simulator and a daemon loading `hook` (a path), waits for its
 * heartbeat and sets the request; `args` are more daemon options, `flags`
 * more deno flags (worker options are always on).
 */
export async function startHookRig(
  hook: string,
  options: { args?: string[]; flags?: string[] } = {},
): Promise<HookRig> {
  const sim = await startSimulator({
    scannerIndex: 7,
    testMode: true,
    seed: 5,
    ...FAST_SIM,
  });
  const dir = await Deno.makeTempDir({ prefix: "fws-hook-" });
  const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
  const pv = (l: LogicalName) => sim.interface.requirePv(l);
  const daemon = spawnDaemon([
    "7",
    "--test-mode",
    "--log-dir",
    `${dir}/log`,
    "--data-dir",
    `${dir}/data`,
    "--custom-callback",
    hook,
    ...(options.args ?? []),
  ], {
    addrList: sim.addrList,
    flags: ["--unstable-worker-options", ...(options.flags ?? [])],
  });
  const close = async () => {
    try {
      daemon.child.kill("SIGKILL");
    } catch { /* gone */ }
    await daemon.exited(5).catch(() => {});
    await ca.close();
    await sim.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await waitHeartbeat(ca, pv("scan.heartbeat"), 45, daemon.stderr);
    const request = { mode: 0, startPos: -3, endPos: 3, nSteps: 11, nScans: 1 };
    for (const [k, v] of Object.entries(request)) {
      await ca.put(pv(`scan.${k}` as LogicalName), v, { wait: true });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    sim,
    ca,
    daemon,
    dir,
    pv,
    log: () => Deno.readTextFile(`${dir}/log/fws-daemon.log`),
    close,
  };
}
