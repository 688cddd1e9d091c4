/**
 * `LiveCallback` and `LivePublisher` over a fake CA port (the real Channel
 * Access is tested in live_ca_test.ts): the step points as `profileOf`
 * forms them, the fly decimation to NELM, the fit curve on LIVE:POS, the
 * reset per repetition, a null-mapped PV skipped, and a port whose puts
 * never complete does not block `handle()`.
 */
import { LiveCallback } from "../../lib/daemon/callbacks/live.ts";
import { LivePublisher } from "../../lib/daemon/live_publisher.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { gaussianCurve } from "../../lib/analysis/models.ts";
import type { DataReading } from "../../lib/scan/collector.ts";
import type { ScanEvent } from "../../lib/scan/events.ts";
import type { ScanRecord } from "../../lib/scan/model.ts";
import { assert, assertEquals } from "../support/assert.ts";

const CH = ["PDB", "PDT"];

/** A port that records every put; `hang` keeps each put pending forever. */
function fakePort(options: { hang?: boolean; nulls?: string[] } = {}): {
  publisher: LivePublisher;
  puts: { pv: string; value: unknown }[];
  last(pv: string): unknown;
} {
  const puts: { pv: string; value: unknown }[] = [];
  const ca = {
    put: (pv: string, value: unknown) => {
      puts.push({
        pv,
        value: value instanceof Float64Array ? value.slice() : value,
      });
      return options.hang ? new Promise<void>(() => {}) : Promise.resolve();
    },
  };
  const pvs = {
    pv: (logical: string) =>
      options.nulls?.includes(logical) ? null : `T:${logical}`,
  };
  const publisher = new LivePublisher(ca, pvs);
  return {
    publisher,
    puts,
    last: (pv) => puts.findLast((p) => p.pv === pv)?.value,
  };
}

/** Hands `event` to `live` and waits until its puts are done. */
async function handled(
  live: LiveCallback,
  publisher: LivePublisher,
  event: ScanEvent,
): Promise<void> {
  live.handle(event);
  await publisher.settled();
}

const requestStarted = (mode: "step" | "fly"): ScanEvent =>
  ({
    type: "requestStarted",
    config: { mode, struckChannels: CH, iopsChannels: ["ch1", "ch2"] },
  }) as unknown as ScanEvent;

const scanStarted = (index: number): ScanEvent => ({
  type: "scanStarted",
  index,
  name: `scan_00${index}`,
  direction: index % 2 ? "forward" : "backward",
  startTime: "",
});

function stepReading(i: number): DataReading {
  const x = -1 + 0.1 * i;
  const signal = (a: number) =>
    Float64Array.from({ length: 4 }, (_, k) => a * Math.exp(-x * x) + k);
  return {
    timestamp: i,
    struck: { PDB: signal(10), PDT: signal(5) },
    iops: {
      ch1: Float64Array.of(x - 0.01, x + 0.01),
      ch2: Float64Array.of(0, 0),
    },
    idc: {},
    beam: {},
  };
}

const stepAcquired = (
  i: number,
  reading: DataReading,
  nSteps = 20,
): ScanEvent => ({
  type: "stepAcquired",
  scanIndex: 1,
  step: i,
  nSteps,
  position: i,
  readback: 100 + i,
  progress: 0,
  reading,
});

/** The record profileOf reads, built from the same step readings. */
function recordOf(readings: DataReading[]): ScanRecord {
  const stack = (group: "struck" | "iops", ch: string) => {
    const rows = readings.map((r) => r[group][ch]);
    const w = rows[0].length;
    const data = new Float64Array(rows.length * w);
    rows.forEach((r, i) => data.set(r, i * w));
    return { data, shape: [rows.length, w], units: "" };
  };
  return {
    name: "scan_001",
    mode: "step",
    struck: { PDB: stack("struck", "PDB"), PDT: stack("struck", "PDT") },
    iops: { ch1: stack("iops", "ch1") },
    positionsReadback: Float64Array.from(readings, (_, i) => 100 + i),
  } as unknown as ScanRecord;
}

Deno.test("live: per repetition REP and DIR first, then the arrays cleared", () => {
  const { publisher, puts } = fakePort();
  const live = new LiveCallback(publisher);
  live.handle(requestStarted("step"));
  live.handle(scanStarted(2));
  assertEquals(puts.map((p) => p.pv), [
    "T:live.rep",
    "T:live.dir",
    "T:live.pos",
    "T:live.daq.PDB",
    "T:live.daq.PDT",
    "T:live.fit.PDB",
    "T:live.fit.PDT",
  ]);
  assertEquals(puts[0].value, 2);
  assertEquals(puts[1].value, 1);
  for (const p of puts.slice(2)) {
    assertEquals((p.value as Float64Array).length, 0);
  }
});

Deno.test("live: each step publishes POS then every channel, the profile so far as profileOf forms it", async () => {
  const { publisher, puts, last } = fakePort();
  const live = new LiveCallback(publisher);
  live.handle(requestStarted("step"));
  live.handle(scanStarted(1));
  await publisher.settled();
  const readings: DataReading[] = [];
  for (let i = 0; i < 20; i++) {
    const from = puts.length;
    readings.push(stepReading(i));
    live.handle(stepAcquired(i, readings[i]));
    await publisher.settled();
    assertEquals(puts.slice(from).map((p) => p.pv), [
      "T:live.pos",
      "T:live.daq.PDB",
      "T:live.daq.PDT",
    ]);
    for (const p of puts.slice(from)) {
      assertEquals((p.value as Float64Array).length, i + 1);
    }
  }
  const record = recordOf(readings);
  for (const ch of CH) {
    const profile = profileOf(record, ch, "ch1");
    assertEquals(last("T:live.pos"), profile.x);
    assertEquals(last(`T:live.daq.${ch}`), profile.y);
  }
  // without the IOPS channel the point's x is the motor readback
  const p = fakePort();
  const bare = new LiveCallback(p.publisher);
  bare.handle(requestStarted("step"));
  bare.handle(scanStarted(1));
  await p.publisher.settled();
  const r = { ...stepReading(3), iops: {} };
  bare.handle(stepAcquired(3, r));
  await p.publisher.settled();
  assertEquals(p.last("T:live.pos"), Float64Array.of(103));
});

Deno.test("live: the fit curve on the LIVE:POS positions; a failed fit publishes an empty array", async () => {
  const { publisher, last } = fakePort();
  const live = new LiveCallback(publisher);
  const h = (e: ScanEvent) => handled(live, publisher, e);
  await h(requestStarted("step"));
  await h(scanStarted(1));
  for (let i = 0; i < 5; i++) await h(stepAcquired(i, stepReading(i)));
  const params = { amplitude: 10, center: -0.8, sigma: 0.3, offset: 1 };
  await h({
    type: "fitsComputed",
    record: {} as ScanRecord,
    fits: {
      PDB: { ...params, ok: true },
      PDT: { ...params, ok: false },
    },
  } as unknown as ScanEvent);
  const x = last("T:live.pos") as Float64Array;
  assertEquals(last("T:live.fit.PDB"), gaussianCurve(params, x));
  assertEquals((last("T:live.fit.PDT") as Float64Array).length, 0);
  // the next repetition starts from empty arrays
  await h(scanStarted(2));
  assertEquals((last("T:live.pos") as Float64Array).length, 0);
  assertEquals((last("T:live.fit.PDB") as Float64Array).length, 0);
  await h(stepAcquired(0, stepReading(7)));
  assertEquals((last("T:live.daq.PDB") as Float64Array).length, 1);
});

Deno.test("live: a fly repetition is decimated to at most NELM points keeping each channel's extremes", async () => {
  const { publisher, last } = fakePort();
  const live = new LiveCallback(publisher, { length: 1000 });
  const h = (e: ScanEvent) => handled(live, publisher, e);
  await h(requestStarted("fly"));
  await h(scanStarted(1));
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => i / n);
  const pdb = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50));
  const pdt = Float64Array.from({ length: n }, (_, i) => Math.cos(i / 70));
  pdb[12_345] = 99;
  pdt[54_321] = -99;
  await h(stepAcquired(0, {
    timestamp: 0,
    struck: { PDB: pdb, PDT: pdt },
    iops: { ch1: x },
    idc: {},
    beam: {},
  }, 1));
  const pos = last("T:live.pos") as Float64Array;
  const y = last("T:live.daq.PDB") as Float64Array;
  const t = last("T:live.daq.PDT") as Float64Array;
  assert(pos.length <= 1000 && pos.length > 500, `got ${pos.length}`);
  assertEquals(y.length, pos.length);
  assertEquals(t.length, pos.length);
  assertEquals(Math.max(...y), 99);
  assertEquals(Math.min(...t), -99);
  for (let i = 1; i < pos.length; i++) assert(pos[i] > pos[i - 1]);
  // a short one is shown whole
  await h(scanStarted(2));
  await h(stepAcquired(0, {
    timestamp: 0,
    struck: { PDB: pdb.slice(0, 10), PDT: pdt.slice(0, 10) },
    iops: { ch1: x.slice(0, 10) },
    idc: {},
    beam: {},
  }, 1));
  assertEquals(last("T:live.pos"), x.slice(0, 10));
});

Deno.test("live: a PV mapped to null is skipped, the others still published", async () => {
  const { publisher, puts } = fakePort({ nulls: ["live.daq.PDB", "live.pos"] });
  const live = new LiveCallback(publisher);
  const h = (e: ScanEvent) => handled(live, publisher, e);
  await h(requestStarted("step"));
  await h(scanStarted(1));
  await h(stepAcquired(0, stepReading(0)));
  const names = new Set(puts.map((p) => p.pv));
  assert(!names.has("T:live.daq.PDB") && !names.has("T:live.pos"));
  assert(names.has("T:live.daq.PDT"));
});

Deno.test("live: puts that never complete do not block handle(); a newer value replaces the queued one", () => {
  const { publisher, puts } = fakePort({ hang: true });
  const live = new LiveCallback(publisher);
  live.handle(requestStarted("step"));
  live.handle(scanStarted(1));
  for (let i = 0; i < 50; i++) live.handle(stepAcquired(i, stepReading(i)));
  // one put per PV went out (the reset's); everything after waits or is dropped
  assertEquals(puts.length, 7);
  const counts = publisher.takeCounts();
  assertEquals(counts.sent, 7);
  // per array PV: 50 steps queued behind the hanging put, 49 of them replaced
  assertEquals(counts.dropped, 3 * 49);
});

Deno.test("live: the queued value is sent when the put in flight completes", async () => {
  const pending: (() => void)[] = [];
  const sent: unknown[] = [];
  const second = Promise.withResolvers<void>();
  const publisher = new LivePublisher({
    put: (_pv: string, value: unknown) => {
      sent.push(value);
      if (sent.length === 2) second.resolve();
      return new Promise<void>((r) => pending.push(r));
    },
  }, { pv: (l: string) => l });
  publisher.publish("live.rep", 1);
  publisher.publish("live.rep", 2);
  publisher.publish("live.rep", 3);
  assertEquals(sent, [1]);
  pending.shift()!();
  await second.promise;
  assertEquals(sent, [1, 3]);
  assertEquals(publisher.takeCounts().dropped, 1);
});
