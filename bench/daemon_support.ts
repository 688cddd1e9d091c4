/**
 * What the daemon benches share: the PV names of a simulator, a request run
 * to its final state, the daemon spawned as its own process (`fws daemon`,
 * as deployed) and the wait for its heartbeat.
 *
 * @module
 */
import type { CAClient } from "../lib/ca/mod.ts";
import { SCAN_STATES } from "../lib/daemon/mod.ts";
import type { Simulator } from "../lib/sim/mod.ts";
import type { LogicalName } from "../lib/pvmap/mod.ts";

/** The PV name of a logical name on `sim`. */
export function pvOf(sim: Simulator): (logical: LogicalName) => string {
  return (l) => sim.interface.requirePv(l);
}

/** Resolves when SCAN:STATE goes through a working state to a final one. */
function finalState(ca: CAClient, pv: string, timeout = 120): Promise<string> {
  return new Promise((resolve, reject) => {
    let started = false;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      sub.cancel();
      reject(new Error(`${pv}: no final state within ${timeout} s`));
    }, timeout * 1000);
    const sub = ca.monitor(pv, (v) => {
      const label = SCAN_STATES[Number(v.value)];
      if (done) return;
      if (["DONE", "ABORTED", "ERROR"].includes(label)) {
        if (!started) return;
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => sub.cancel());
        resolve(label);
      } else if (label !== "IDLE") started = true;
    });
  });
}

/** Writes the inputs, starts a request and resolves with its duration [ms] once DONE. */
export async function request(
  ca: CAClient,
  pv: (l: LogicalName) => string,
  inputs: Record<string, number>,
): Promise<number> {
  for (const [k, v] of Object.entries(inputs)) {
    await ca.put(pv(`scan.${k}` as LogicalName), v, { wait: true });
  }
  const done = finalState(ca, pv("scan.state"));
  const t0 = performance.now();
  await ca.put(pv("scan.start"), 1, { wait: true });
  const state = await done;
  const ms = performance.now() - t0;
  if (state !== "DONE") {
    const msg = new TextDecoder().decode(
      (await ca.get(pv("scan.msg"))).value as Uint8Array,
    );
    throw new Error(`bench scan ended ${state}: ${msg}`);
  }
  return ms;
}

/** Spawns `fws daemon <index> --test-mode` against `sim` (more arguments and environment in `options`). */
export function spawnDaemon(
  sim: Simulator,
  dir: string,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=daemon",
      "main.ts",
      "daemon",
      String(sim.interface.scannerIndex),
      "--test-mode",
      "--log-dir",
      `${dir}/log`,
      "--data-dir",
      `${dir}/data`,
      "--log-level",
      Deno.env.get("FWS_BENCH_LOG_LEVEL") ?? "warning",
      ...options.args ?? [],
    ],
    env: {
      EPICS_CA_ADDR_LIST: sim.addrList.join(" "),
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      ...options.env,
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

/** Waits until the daemon's heartbeat moves (it is up and connected). */
export async function heartbeat(ca: CAClient, pv: string): Promise<void> {
  const first = Number((await ca.get(pv)).value);
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (Number((await ca.get(pv)).value) !== first) return;
  }
  throw new Error("the daemon did not start within 30 s");
}
