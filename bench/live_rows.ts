/**
 * The live view's rows of `daemon_bench.ts` (issue 12), each against the
 * simulated IOC with the daemon as its own process (`fws daemon`):
 *
 * (a) latency from the step's data to the LIVE PV's monitor update seen by
 *     a libca client (EPICS's own camonitor, `-tc`: the client's receive
 *     time), 2 channels, 1000 steps. The shared clock is the wall clock:
 *     the step's time is its row of `scan/timestamps` in the file, the CA
 *     time stamp the simulator put on the Struck waveform when it was
 *     acquired, before the daemon read it (so each figure is an upper bound:
 *     it includes the daemon's read of the data). The update is the one of
 *     `LIVE:PDT` (the last array of a step) whose count is the step's;
 *     updates coalesced by the server are not counted.
 * (b) per-step overhead with the live view on against off: two simulators
 *     and two daemons, one with every `live.*` PV mapped to `null`,
 *     requests alternating between them; the difference of the medians of
 *     the time per step.
 *     Beside it, the live view's own cost: `LiveCallback` and `LivePublisher`
 *     in this process, with the daemon's client, against the simulator: the
 *     time of `handle()` per step, and of `handle()` until its puts are sent
 *     (`settled()`), 1000 steps × 2 channels.
 * (c) a fly repetition of 1e6 samples × 2 channels: from the moment the
 *     daemon's live view is handed the reading (`LiveCallback` with the
 *     daemon's own client and publisher, in this process, against the
 *     simulator) to the `LIVE:PDT` update camonitor receives; and, as an
 *     upper bound of the whole path, from the data's CA time stamp in the
 *     file (the simulator's, when it posted the waveform) through the
 *     daemon's read of 4 × 1e6 doubles to that update (`fws daemon`).
 *
 * @module
 */
import { CAClient } from "../lib/ca/mod.ts";
import { readScanFile } from "../lib/hdf5/mod.ts";
import { type Simulator, startSimulator } from "../lib/sim/mod.ts";
import type { LogicalName } from "../lib/pvmap/mod.ts";
import { Camonitor } from "../tests/support/epics.ts";
import { LiveCallback } from "../lib/daemon/callbacks/live.ts";
import { LivePublisher } from "../lib/daemon/live_publisher.ts";
import type { ScanEvent } from "../lib/scan/events.ts";
import { heartbeat, pvOf, request, spawnDaemon } from "./daemon_support.ts";

/** Goals of issue 12. */
export const LIVE_GOALS = {
  medianMs: 10,
  p99Ms: 50,
  overheadMs: 0.3,
  flyMs: 500,
};

/** Every live PV of the default map set to null (the live view off). */
const LIVE_OFF = {
  pvs: Object.fromEntries(
    [
      "live.pos",
      "live.rep",
      "live.dir",
      ...["PDB", "PDT"].flatMap((c) => [
        `live.daq.${c}`,
        `live.fit.${c}`,
      ]),
    ].map((l) => [l, null]),
  ),
};

interface Rig {
  sim: Simulator;
  ca: CAClient;
  dir: string;
  child: Deno.ChildProcess;
  pv(l: LogicalName): string;
  close(): Promise<void>;
}

async function rig(
  options: {
    index: number;
    liveOff?: boolean;
    fly?: number;
  },
): Promise<Rig> {
  const bytes = (options.fly ?? 10000) * 8 + 4096;
  const sim = await startSimulator({
    scannerIndex: options.index,
    testMode: true,
    ...(options.fly
      ? {
        maxSamples: options.fly,
        flySamples: options.fly,
        motor: { velocity: 100, vmax: 400 },
      }
      : { zeroLatency: true, samplesPerStep: 10 }),
    server: {
      intfAddrList: ["127.0.0.1"],
      serverPort: 0,
      udpPort: 0,
      maxArrayBytes: Math.max(bytes, 1 << 20),
    },
  });
  const dir = await Deno.makeTempDir({ prefix: "fws-bench-live-" });
  const args: string[] = [];
  if (options.liveOff) {
    await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify(LIVE_OFF));
    args.push("--pv-map", `${dir}/map.json`);
  }
  const child = spawnDaemon(sim, dir, {
    args,
    env: { EPICS_CA_MAX_ARRAY_BYTES: String(Math.max(bytes, 1 << 20)) },
  });
  const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
  const pv = pvOf(sim);
  await heartbeat(ca, pv("scan.heartbeat"));
  return {
    sim,
    ca,
    dir,
    child,
    pv,
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await ca.close();
      await sim.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Runs one request; resolves with its duration [ms] and file. */
async function run(
  r: Rig,
  inputs: Record<string, number>,
): Promise<{ ms: number; file: string }> {
  const ms = await request(r.ca, r.pv, inputs);
  const file = new TextDecoder().decode(
    (await r.ca.get(r.pv("scan.file"))).value as Uint8Array,
  ).replace(/\0.*$/s, "");
  return { ms, file };
}

const steps = (n: number) => ({
  mode: 0,
  startPos: -5,
  endPos: 5,
  nSteps: n,
  nScans: 1,
  settle: 0,
});

/**
 * camonitor -tc line "<pv> (<date> <time>) <count> <v…>" (nothing after the
 * time for an empty array) → [wall ms, count].
 */
function parseLine(line: string): [number, number] {
  const [, date, time, count] = line.replace(/[()]/g, " ").trim().split(/\s+/);
  const ms = Date.parse(`${date}T${time.slice(0, 12)}Z`) +
    Number(`0.${time.slice(12) || "0"}`);
  return [ms, Number(count ?? 0)];
}

/** Starts camonitor -tc on `pv` and waits for its first (current) line. */
async function camonitor(r: Rig, pv: string): Promise<Camonitor> {
  const mon = Camonitor.start(["-tc", pv], {
    port: r.sim.udpPort,
    env: { TZ: "UTC" },
  });
  await mon.nextLine(10);
  return mon;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** (a): step data → LIVE:PDT update, per step [ms]. */
export async function stepLatency(n = 1000): Promise<{
  median: number;
  p99: number;
  seen: number;
}> {
  const r = await rig({ index: 9 });
  try {
    await run(r, steps(20)); // warm-up
    const full = await camonitor(r, r.pv("live.daq.PDT"));
    const { file } = await run(r, steps(n));
    const updates: [number, number][] = [];
    for (;;) {
      const u = parseLine(await full.nextLine(10));
      updates.push(u);
      if (u[1] === n) break;
    }
    await full.close();
    const times = (await readScanFile(file)).scans[0].timestamps;
    const lat = updates.filter(([, c]) => c > 0).map(([t, c]) =>
      t - times[c - 1] * 1000
    ).sort((a, b) => a - b);
    return {
      median: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      seen: lat.length,
    };
  } finally {
    await r.close();
  }
}

/** (b): time per step with the live view on and off, alternating [ms]. */
export async function liveOverhead(n = 1000, rounds = 5): Promise<{
  on: number;
  off: number;
}> {
  const on = await rig({ index: 9 });
  const off = await rig({ index: 8, liveOff: true });
  try {
    await run(on, steps(20));
    await run(off, steps(20));
    const t = { on: [] as number[], off: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      t.on.push((await run(on, steps(n))).ms / n);
      t.off.push((await run(off, steps(n))).ms / n);
    }
    const med = (a: number[]) => quantile(a.sort((x, y) => x - y), 0.5);
    return { on: med(t.on), off: med(t.off) };
  } finally {
    await on.close();
    await off.close();
  }
}

/** (c): a 1e6-sample fly repetition's data → its LIVE:PDT update [ms]. */
export async function flyLatency(samples = 1_000_000): Promise<number> {
  const r = await rig({ index: 9, fly: samples });
  try {
    const mon = await camonitor(r, r.pv("live.daq.PDT"));
    const { file } = await run(r, {
      mode: 1,
      startPos: -5,
      endPos: 5,
      speed: 50,
      nScans: 1,
    });
    let last: [number, number] = [NaN, 0];
    while (last[1] === 0) last = parseLine(await mon.nextLine(30));
    await mon.close();
    const t = (await readScanFile(file)).scans[0].timestamps[0] * 1000;
    return last[0] - t;
  } finally {
    await r.close();
  }
}

/**
 * (c), the live view's part: a 1e6 × 2 fly reading handed to `LiveCallback`
 * → the LIVE:PDT update seen by camonitor [ms] (median of `rounds`).
 */
export async function flyLiveLatency(
  samples = 1_000_000,
  rounds = 5,
): Promise<number> {
  const sim = await startSimulator({
    scannerIndex: 9,
    testMode: true,
    server: { intfAddrList: ["127.0.0.1"], serverPort: 0, udpPort: 0 },
  });
  const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
  const publisher = new LivePublisher(ca, sim.interface);
  const live = new LiveCallback(publisher);
  const pv = (l: LogicalName) => sim.interface.requirePv(l);
  const mon = Camonitor.start(["-tc", pv("live.daq.PDT")], {
    port: sim.udpPort,
    env: { TZ: "UTC" },
  });
  try {
    await mon.nextLine(10);
    const x = Float64Array.from({ length: samples }, (_, i) => i / samples);
    const wave = (f: number) =>
      Float64Array.from({ length: samples }, (_, i) => Math.sin(i / f));
    const reading = {
      timestamp: 0,
      struck: { PDB: wave(5000), PDT: wave(7000) },
      iops: { ch1: x, ch2: x },
      idc: {},
      beam: {},
    };
    live.handle({
      type: "requestStarted",
      config: {
        mode: "fly",
        struckChannels: ["PDB", "PDT"],
        iopsChannels: ["ch1", "ch2"],
      },
    } as unknown as ScanEvent);
    const out: number[] = [];
    for (let i = 0; i < rounds + 1; i++) {
      live.handle({
        type: "scanStarted",
        index: i + 1,
        name: "",
        direction: "forward",
        startTime: "",
      });
      await publisher.settled();
      while (parseLine(await mon.nextLine(10))[1] !== 0);
      const t0 = performance.timeOrigin + performance.now();
      live.handle({
        type: "stepAcquired",
        scanIndex: i + 1,
        step: 0,
        nSteps: 1,
        position: 0,
        readback: 0,
        progress: 0,
        reading,
      });
      let u: [number, number] = [NaN, 0];
      while (u[1] === 0) u = parseLine(await mon.nextLine(10));
      if (i > 0) out.push(u[0] - t0); // the first one warms up
    }
    return quantile(out.sort((a, b) => a - b), 0.5);
  } finally {
    await mon.close();
    await ca.close();
    await sim.close();
  }
}

/**
 * (b), the live view's own part: per step of 1000 × 2 channels, the time of
 * `LiveCallback.handle()` and of `handle()` until its puts are sent [ms]
 * (medians of `rounds` repetitions).
 */
export async function liveStepCost(n = 1000, rounds = 3): Promise<{
  handle: number;
  sent: number;
}> {
  const sim = await startSimulator({
    scannerIndex: 9,
    testMode: true,
    server: { intfAddrList: ["127.0.0.1"], serverPort: 0, udpPort: 0 },
  });
  const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
  const publisher = new LivePublisher(ca, sim.interface);
  const live = new LiveCallback(publisher);
  const handle: number[] = [];
  const sent: number[] = [];
  try {
    live.handle({
      type: "requestStarted",
      config: {
        mode: "step",
        struckChannels: ["PDB", "PDT"],
        iopsChannels: ["ch1", "ch2"],
      },
    } as unknown as ScanEvent);
    for (let rep = 0; rep < rounds + 1; rep++) {
      live.handle({
        type: "scanStarted",
        index: rep + 1,
        name: "",
        direction: "forward",
        startTime: "",
      });
      await publisher.settled();
      let inHandle = 0;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const signal = new Float64Array(10).fill(Math.sin(i / 100));
        const a = performance.now();
        live.handle({
          type: "stepAcquired",
          scanIndex: rep + 1,
          step: i,
          nSteps: n,
          position: i,
          readback: i,
          progress: 0,
          reading: {
            timestamp: 0,
            struck: { PDB: signal, PDT: signal },
            iops: { ch1: Float64Array.of(i), ch2: Float64Array.of(i) },
            idc: {},
            beam: {},
          },
        });
        inHandle += performance.now() - a;
        await publisher.settled();
      }
      if (rep === 0) continue; // warm-up
      handle.push(inHandle / n);
      sent.push((performance.now() - t0) / n);
    }
    const med = (a: number[]) => quantile(a.sort((x, y) => x - y), 0.5);
    return { handle: med(handle), sent: med(sent) };
  } finally {
    await ca.close();
    await sim.close();
  }
}
