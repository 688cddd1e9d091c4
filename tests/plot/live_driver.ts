/**
 * Plays the daemon's side of the live view on a `fws sim` instance (free
 * loopback ports) with our CA client: the request's state, message,
 * progress and step, the heartbeat, and the LIVE PVs in the daemon's order
 * (per repetition LIVE:REP and LIVE:DIR, then the arrays cleared; per step
 * LIVE:POS then each LIVE:<CH>, the whole arrays so far; after the fit the
 * FIT:<CH>:* values and LIVE:FIT:<CH>). Used by the live page's tests and
 * its bench until they run against the daemon itself.
 *
 * @module
 */
import { CAClient } from "../../lib/ca/mod.ts";
import { gaussian } from "../../lib/analysis/models.ts";
import type { LogicalName } from "../../lib/pvmap/mod.ts";
import { SCAN_STATES } from "../../lib/pvmap/mod.ts";
import { type Simulator, startSimulator } from "../../lib/sim/mod.ts";

/** The simulated beam the driver publishes. */
export const BEAM = { amplitude: 2, center: 0.4, sigma: 1.2, offset: 0.1 };

/** A sim and an operator-side client writing the daemon's PVs. */
export interface LiveDriver {
  sim: Simulator;
  /** Search list of the sim (`127.0.0.1:<udp>`). */
  addrList: string[];
  /** Writes one PV (no completion wait; order kept on the circuit). */
  put(
    logical: LogicalName,
    value: number | string | ArrayLike<number>,
  ): Promise<void>;
  /** SCAN:STATE by label. */
  state(label: (typeof SCAN_STATES)[number]): Promise<void>;
  /** A repetition begins: REP, DIR, then the LIVE arrays cleared. */
  beginRep(rep: number, backward?: boolean): Promise<void>;
  /** Step `k` (1-based) of `n` from `start` to `end`: the arrays so far. */
  step(k: number, n: number, range?: [number, number]): Promise<void>;
  /** The repetition's fit: FIT:<CH>:* then LIVE:FIT:<CH> on `n` points. */
  fit(n: number, range?: [number, number]): Promise<void>;
  /** Stops the sim (its PVs disappear) and starts it again on the same ports. */
  restartSim(): Promise<void>;
  close(): Promise<void>;
}

/** Positions of steps 1…k of an n-step line. */
function positions(k: number, n: number, [a, b]: [number, number]): number[] {
  return Array.from({ length: k }, (_, i) => a + (b - a) * i / (n - 1));
}

/** Starts a sim of scanner 7 (test mode) and the driver's client. */
export async function startLiveDriver(
  options: { heartbeatMs?: number } = {},
): Promise<LiveDriver> {
  const simOptions = { scannerIndex: 7, testMode: true, seed: 3 };
  let sim = await startSimulator(simOptions);
  const ports = { serverPort: sim.tcpPort, udpPort: sim.udpPort };
  const addrList = sim.addrList;
  const ca = new CAClient({ addrList, autoAddrList: false, timeout: 5 });
  const name = (logical: LogicalName) => sim.interface.requirePv(logical);
  const put = (
    logical: LogicalName,
    value: number | string | ArrayLike<number>,
  ) => ca.put(name(logical), value as number);
  let beat = 0;
  const timer = setInterval(() => {
    put("scan.heartbeat", ++beat).catch(() => {});
  }, options.heartbeatMs ?? 250);
  const channels = sim.interface.struckChannels;
  const signal = (ch: string, x: number) =>
    gaussian(BEAM, x) * (ch === channels[0] ? 1 : 0.5);
  return {
    sim,
    addrList,
    put,
    state: (label) => put("scan.state", SCAN_STATES.indexOf(label)),
    async beginRep(rep, backward = false) {
      await put("live.rep", rep);
      await put("live.dir", backward ? 1 : 0);
      const empty = new Float64Array(0);
      await put("live.pos", empty);
      for (const ch of channels) await put(`live.daq.${ch}`, empty);
      for (const ch of channels) await put(`live.fit.${ch}`, empty);
    },
    async step(k, n, range = [-5, 5]) {
      const x = positions(k, n, range);
      await put("live.pos", x);
      for (const ch of channels) {
        await put(`live.daq.${ch}`, x.map((v) => signal(ch, v)));
      }
      await put("scan.step", k);
      await put("scan.progress", (100 * k) / n);
      await put("scan.msg", `step ${k}/${n}`);
    },
    async fit(n, range = [-5, 5]) {
      const x = positions(n, n, range);
      for (const ch of channels) {
        const f = ch === channels[0] ? 1 : 0.5;
        await put(`fit.${ch}.center`, BEAM.center);
        await put(`fit.${ch}.sigma`, BEAM.sigma);
        await put(`fit.${ch}.amplitude`, BEAM.amplitude * f);
        await put(`fit.${ch}.offset`, BEAM.offset * f);
        await put(`fit.${ch}.ok`, 1);
        await put(`live.fit.${ch}`, x.map((v) => signal(ch, v)));
      }
    },
    async restartSim() {
      await sim.close();
      sim = await startSimulator({
        ...simOptions,
        server: {
          intfAddrList: ["127.0.0.1"],
          beaconAddrList: ["127.0.0.1"],
          ...ports,
        },
      });
    },
    async close() {
      clearInterval(timer);
      await ca.close();
      await sim.close();
    },
  };
}
