/**
 * Follows one scanner over Channel Access for the live page: monitors on
 * the PVs of its map (`SCAN:STATE`, `SCAN:MSG`, `SCAN:PROGRESS`,
 * `SCAN:STEP`, `SCAN:FILE`, `SCAN:HEARTBEAT`, the scan range
 * `SCAN:START_POS`/`SCAN:END_POS`, `LIVE:*`, `FIT:<CH>:*`; a map
 * entry `null` is skipped) feed a {@link LiveState}. The channels' connection
 * events and the heartbeat (it must advance within `heartbeatTimeout`) say
 * whether the scanner is reachable; the monitors survive reconnections by
 * themselves.
 *
 * @module
 */
import {
  CAClient,
  type CAClientOptions,
  type CAValue,
  charArrayToString,
  EPICS_EPOCH_OFFSET,
} from "../../lib/ca/mod.ts";
import {
  FIT_PV_FIELDS,
  type FWSScanInterface,
  type LogicalName,
  SCAN_STATES,
} from "../../lib/pvmap/mod.ts";
import type { LiveFitField, LiveInput, LiveState } from "./live_state.ts";
import type { Stamps } from "../../islands/shared/live_events.ts";

/** Options of {@link followScanner}. */
export interface FollowOptions {
  /** Channel Access settings (unset ones come from EPICS_CA_*). */
  ca?: CAClientOptions;
  /**
   * Seconds without a heartbeat increment before the daemon counts as gone
   * (default 3.5; 0 does not watch it).
   */
  heartbeatTimeout?: number;
}

/** A running follower. */
export interface Follower {
  /** Cancels the monitors and closes the client. */
  close(): Promise<void>;
}

/** The CA time stamp of a value, ms since the epoch (now without one). */
export function caStamp(v: CAValue): number {
  if (v.stamp && v.stamp.secondsPastEpoch > 0) {
    return (v.stamp.secondsPastEpoch + EPICS_EPOCH_OFFSET) * 1000 +
      v.stamp.nanoseconds / 1e6;
  }
  return v.timestamp?.getTime() ?? Date.now();
}

function text(v: CAValue): string {
  if (v.value instanceof Uint8Array) return charArrayToString(v.value);
  // a char waveform of one element (or an empty one) arrives as a number
  if (v.type === "char" && typeof v.value === "number") {
    return charArrayToString(new Uint8Array([v.value]));
  }
  return String(v.value);
}

function numbers(v: CAValue): ArrayLike<number> {
  const x = v.value;
  if (typeof x === "number") return [x];
  if (ArrayBuffer.isView(x)) return x as unknown as ArrayLike<number>;
  return [];
}

/** Which input a PV's value becomes. */
type Decode = (v: CAValue) => LiveInput;

/** The followed PVs: logical name and how its value is read. */
function followed(pvs: FWSScanInterface): [LogicalName, Decode][] {
  const list: [LogicalName, Decode][] = [
    ["scan.state", (v) => ({
      key: "state",
      value: typeof v.value === "number"
        ? SCAN_STATES[v.value] ?? String(v.value)
        : text(v),
    })],
    ["scan.msg", (v) => ({ key: "msg", value: text(v) })],
    ["scan.progress", (v) => ({ key: "progress", value: Number(v.value) })],
    ["scan.step", (v) => ({ key: "step", value: Number(v.value) })],
    ["scan.file", (v) => ({ key: "file", value: text(v) })],
    ["scan.heartbeat", (v) => ({ key: "heartbeat", value: Number(v.value) })],
    ["scan.startPos", (v) => ({ key: "startPos", value: Number(v.value) })],
    ["scan.endPos", (v) => ({ key: "endPos", value: Number(v.value) })],
    ["live.rep", (v) => ({ key: "rep", value: Number(v.value) })],
    ["live.dir", (v) => ({
      key: "dir",
      value: Number(v.value) === 1 || text(v) === "Backward"
        ? "backward"
        : "forward",
    })],
    ["live.pos", (v) => ({ key: "pos", value: numbers(v) })],
  ];
  for (const ch of pvs.struckChannels) {
    list.push([`live.daq.${ch}`, (v) => ({
      key: "daq",
      ch,
      value: numbers(v),
    })]);
    list.push([`live.fit.${ch}`, (v) => ({
      key: "fit",
      ch,
      value: numbers(v),
    })]);
    const fields: LiveFitField[] = [
      ...FIT_PV_FIELDS.map((f) => f.field),
      "sigmaFloor",
      "sigmaLow",
      "rejected",
      "model",
      "dAicc",
    ];
    for (const field of fields) {
      list.push([`fit.${ch}.${field}` as LogicalName, (v) => ({
        key: "fitField",
        ch,
        field,
        value: Number(v.value),
      })]);
    }
  }
  return list.filter(([logical]) => {
    try {
      return pvs.pv(logical) !== null;
    } catch {
      return false; // not in this map at all
    }
  });
}

/**
 * Starts the monitors of `pvs` feeding `state`.
 *
 * @example
 * ```ts
 * const state = new LiveState({ prefix: pvs.prefix, struckChannels: pvs.struckChannels, load });
 * const follower = followScanner(pvs, state, { ca: { addrList: ["127.0.0.1:5064"] } });
 * await follower.close();
 * ```
 */
export function followScanner(
  pvs: FWSScanInterface,
  state: LiveState,
  options: FollowOptions = {},
): Follower {
  const client = new CAClient(options.ca);
  const list = followed(pvs);
  const connected = new Set<string>();
  const names = list.map(([logical]) => pvs.pv(logical)!);
  const now = (): Stamps => {
    const t = Date.now();
    return { ca: t, recv: t };
  };
  const report = () => {
    const missing = names.filter((n) => !connected.has(n));
    state.connection(
      missing.length === 0,
      missing.length === names.length
        ? `no answer from ${pvs.prefix}* over Channel Access`
        : `${missing.length} of ${names.length} PVs not connected (${
          missing.slice(0, 3).join(", ")
        }${missing.length > 3 ? ", …" : ""})`,
      now(),
    );
  };
  const timeout = (options.heartbeatTimeout ?? 3.5) * 1000;
  let beat: ReturnType<typeof setTimeout> | undefined;
  let lastBeat: number | undefined;
  const watchBeat = (value: number) => {
    if (timeout <= 0) return;
    if (lastBeat !== undefined && value !== lastBeat) state.daemon(true, now());
    lastBeat = value;
    clearTimeout(beat);
    beat = setTimeout(() => state.daemon(false, now()), timeout);
  };
  const subs = list.map(([logical, decode]) => {
    const name = pvs.pv(logical)!;
    const channel = client.channel(name);
    channel.addEventListener("connection", (e) => {
      const up = (e as CustomEvent<{ connected: boolean }>).detail.connected;
      if (up) connected.add(name);
      else connected.delete(name);
      report();
    });
    return client.monitor(name, (v) => {
      const recv = Date.now();
      const input = decode(v);
      if (input.key === "heartbeat") watchBeat(input.value);
      state.update(input, { ca: caStamp(v), recv });
    }, { form: "time" });
  });
  report();
  return {
    async close() {
      clearTimeout(beat);
      for (const s of subs) s.cancel();
      await client.close();
    },
  };
}
