import {
  CAClient,
  CAError,
  CAServer,
  type CAValue,
  charArrayToString,
  DBE_ALARM,
  DBE_VALUE,
} from "../../lib/ca/mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../support/assert.ts";

interface Rig {
  server: CAServer;
  client: CAClient;
  tcpPort: number;
  udpPort: number;
  [Symbol.asyncDispose](): Promise<void>;
}

function definePVs(server: CAServer): void {
  server.addPV("T:DOUBLE", {
    type: "double",
    value: 3.25,
    units: "mm",
    precision: 3,
    limits: { upperDisp: 10, lowerDisp: -10, upperAlarm: 9, lowerAlarm: -9 },
  });
  server.addPV("T:LONG", { type: "long", value: 42 });
  server.addPV("T:STRING", { type: "string", value: "hello" });
  server.addPV("T:ENUM", {
    type: "enum",
    value: 1,
    enumStrings: ["STEP", "FLY", "HOLD"],
  });
  server.addPV("T:MSG", { type: "char", count: 64, value: "idle" });
  server.addPV("T:WAVE", { type: "double", count: 1_000_000 });
  server.addPV("T:RO", { type: "double", value: 1, readOnly: true });
  server.addPV("T:FAILS", {
    type: "long",
    onWrite: () => {
      throw new Error("the motor refuses");
    },
  });
  server.addPV("T:SLOW", {
    type: "long",
    onWrite: () => new Promise((r) => setTimeout(r, 100)),
  });
  server.addPV("T:NAN", { type: "double", value: NaN });
}

async function rig(
  ports: { tcpPort?: number; udpPort?: number } = {},
): Promise<Rig> {
  const server = new CAServer({
    serverPort: ports.tcpPort ?? 0,
    udpPort: ports.udpPort ?? 0,
    intfAddrList: ["127.0.0.1"],
    beaconAddrList: [],
  });
  definePVs(server);
  const { tcpPort, udpPort } = await server.start();
  const client = new CAClient({
    addrList: [`127.0.0.1:${udpPort}`],
    autoAddrList: false,
    timeout: 3,
    connectionTimeout: 2,
    repeaterPort: udpPort, // nothing answers there: no beacon listener races
  });
  return {
    server,
    client,
    tcpPort,
    udpPort,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

Deno.test("client: get in plain, time and ctrl forms", async () => {
  await using r = await rig();
  const plain = await r.client.get("T:DOUBLE");
  assertEquals(plain, {
    name: "T:DOUBLE",
    type: "double",
    count: 1,
    value: 3.25,
  });
  const time = await r.client.get("T:DOUBLE", { form: "time" });
  assertEquals(time.severity, 0);
  assert(time.timestamp instanceof Date);
  assert(Math.abs(time.timestamp.getTime() - Date.now()) < 60_000);
  const ctrl = await r.client.get("T:DOUBLE", { form: "ctrl" });
  assertEquals(ctrl.units, "mm");
  assertEquals(ctrl.precision, 3);
  assertEquals(ctrl.limits?.upperDisp, 10);
  assertEquals(ctrl.limits?.lowerAlarm, -9);
  const asString = await r.client.get("T:DOUBLE", { type: "string" });
  assertEquals(asString.value, "3.250");
  assertEquals((await r.client.get("T:LONG")).value, 42);
  assertEquals((await r.client.get("T:STRING")).value, "hello");
  assert(Number.isNaN((await r.client.get("T:NAN")).value as number));
  const ch = r.client.channel("T:DOUBLE");
  assertEquals(ch.nativeType, "double");
  assertEquals(ch.count, 1);
  assertEquals(ch.access, { read: true, write: true });
  assertEquals(ch.host, `127.0.0.1:${r.tcpPort}`);
  assert(ch === r.client.channel("T:DOUBLE"), "one shared channel per name");
});

Deno.test("client: put, put with completion, and values read back", async () => {
  await using r = await rig();
  await r.client.put("T:DOUBLE", -1.5);
  assertEquals((await r.client.get("T:DOUBLE")).value, -1.5);
  await r.client.put("T:LONG", "17", { wait: true });
  assertEquals((await r.client.get("T:LONG")).value, 17);
  assertEquals(r.server.pv("T:LONG")?.value, 17);
  await r.client.put("T:STRING", "a new text", { wait: true });
  assertEquals((await r.client.get("T:STRING")).value, "a new text");
  await r.client.put("T:DOUBLE", Infinity, { wait: true });
  assertEquals((await r.client.get("T:DOUBLE")).value, Infinity);
  const t0 = performance.now();
  await r.client.put("T:SLOW", 5, { wait: true });
  assert(performance.now() - t0 >= 90, "put-notify waited for onWrite");
});

Deno.test("client: enum by label and index; bad label is a clear error", async () => {
  await using r = await rig();
  const ctrl = await r.client.get("T:ENUM", { form: "ctrl" });
  assertEquals(ctrl.value, 1);
  assertEquals(ctrl.enumStrings, ["STEP", "FLY", "HOLD"]);
  assertEquals((await r.client.get("T:ENUM", { type: "string" })).value, "FLY");
  await r.client.put("T:ENUM", "HOLD", { wait: true });
  assertEquals((await r.client.get("T:ENUM")).value, 2);
  await r.client.put("T:ENUM", 0, { wait: true });
  assertEquals(
    (await r.client.get("T:ENUM", { type: "string" })).value,
    "STEP",
  );
  const error = await assertRejects(
    () => r.client.put("T:ENUM", "WOBBLE"),
    /T:ENUM: ECA_BADTYPE .*'WOBBLE'.*'STEP', 'FLY', 'HOLD'/,
  );
  assert(error instanceof CAError);
  await assertRejects(
    () => r.client.put("T:LONG", "twelve"),
    /T:LONG: ECA_BADTYPE \(cannot convert 'twelve' to long; expected a number\)/,
  );
});

Deno.test("client: CHAR waveform as text", async () => {
  await using r = await rig();
  const v = await r.client.get("T:MSG");
  assertEquals(charArrayToString(v.value as Uint8Array), "idle");
  await r.client.put("T:MSG", "scan 3 of 5 done", { wait: true });
  const back = await r.client.get("T:MSG");
  assertEquals(charArrayToString(back.value as Uint8Array), "scan 3 of 5 done");
});

Deno.test("client: read-only PV, failing write handler, missing PV", async () => {
  await using r = await rig();
  const ro = await assertRejects(
    () => r.client.put("T:RO", 2),
    /T:RO: ECA_NOWTACCESS/,
  );
  assertEquals((ro as CAError).status, "ECA_NOWTACCESS");
  assertEquals((ro as CAError).pv, "T:RO");
  assertEquals(r.client.channel("T:RO").access, { read: true, write: false });
  const fail = await assertRejects(
    () => r.client.put("T:FAILS", 1, { wait: true }),
    /T:FAILS: ECA_PUTFAIL/,
  );
  assertEquals((fail as CAError).status, "ECA_PUTFAIL");
  const t0 = performance.now();
  const missing = await assertRejects(
    () => r.client.get("T:NOPE", { timeout: 0.3 }),
    /T:NOPE: ECA_TIMEOUT/,
  );
  assertEquals((missing as CAError).pv, "T:NOPE");
  assert(performance.now() - t0 < 1000);
});

Deno.test("client: monitors deliver the current value then every change", async () => {
  await using r = await rig();
  const values: CAValue[] = [];
  let wake = () => {};
  const sub = r.client.monitor("T:LONG", (v) => {
    values.push(v);
    wake();
  }, { mask: DBE_VALUE | DBE_ALARM });
  const until = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`waited for ${n} updates, got ${values.length}`)),
        3000,
      );
      wake = () => {
        if (values.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      };
      wake();
    });
  await until(1);
  assertEquals(values[0].value, 42);
  assert(values[0].timestamp instanceof Date, "default form is time");
  r.server.pv("T:LONG")!.set(43);
  await r.client.put("T:LONG", 44);
  await until(3);
  assertEquals(values.map((v) => v.value), [42, 43, 44]);
  sub.cancel();
  r.server.pv("T:LONG")!.set(45);
  await r.client.get("T:LONG"); // a round trip after the cancel
  assertEquals(values.length, 3);
});

Deno.test("client: a 1e6-element DOUBLE waveform round trip", async () => {
  await using r = await rig();
  const data = new Float64Array(1_000_000).map((_, i) => Math.sin(i / 1000));
  data[5] = NaN;
  data[6] = -Infinity;
  await r.client.put("T:WAVE", data, { wait: true });
  const t0 = performance.now();
  const v = await r.client.get("T:WAVE");
  const ms = performance.now() - t0;
  console.log(`1e6 DOUBLE get from CAServer: ${ms.toFixed(1)} ms`);
  assertEquals(v.count, 1_000_000);
  assertEquals(v.value, data);
});

Deno.test("client: a get of more than 65535 elements uses the extended header", async () => {
  await using r = await rig();
  const data = new Float64Array(1_000_000).map((_, i) => i);
  await r.client.put("T:WAVE", data, { wait: true });
  // 70000 does not fit the 16-bit count of the standard header.
  const v = await r.client.get("T:WAVE", { count: 70_000, timeout: 5 });
  assertEquals(v.count, 70_000);
  assertEquals(v.value, data.subarray(0, 70_000));
  const m = await r.client.get("T:WAVE", { count: 65_535, timeout: 5 });
  assertEquals(m.count, 65_535);
});

Deno.test("client: reconnects to a restarted server; same objects resume", async () => {
  const first = await rig();
  const { client, tcpPort, udpPort } = first;
  const channel = client.channel("T:LONG");
  const events: boolean[] = [];
  channel.addEventListener("connection", (e) => {
    events.push((e as CustomEvent<{ connected: boolean }>).detail.connected);
  });
  const values: number[] = [];
  let onValue = () => {};
  const sub = channel.subscribe((v) => {
    values.push(v.value as number);
    onValue();
  });
  const next = (want: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no value ${want}; saw ${values}`)),
        5000,
      );
      onValue = () => {
        if (values.includes(want)) {
          clearTimeout(timer);
          resolve();
        }
      };
      onValue();
    });
  await next(42);
  const down = new Promise<void>((resolve) =>
    channel.addEventListener("connection", () => resolve(), { once: true })
  );
  await first.server.close();
  await down;
  assertEquals(channel.connected, false);
  const t0 = performance.now();
  const server = new CAServer({
    serverPort: tcpPort,
    udpPort,
    intfAddrList: ["127.0.0.1"],
    beaconAddrList: [],
  });
  definePVs(server);
  server.pv("T:LONG")!.set(99);
  await server.start();
  try {
    await next(99);
    const ms = performance.now() - t0;
    console.log(`reconnect after server restart: ${ms.toFixed(0)} ms`);
    assert(ms < 5000);
    assertEquals(events, [true, false, true]);
    assertEquals(channel, client.channel("T:LONG"));
    assertEquals((await channel.get()).value, 99);
    server.pv("T:LONG")!.set(100);
    await next(100);
    sub.cancel();
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("client: close() rejects waiters and leaves no timers or sockets", async () => {
  const r = await rig();
  const ch = r.client.channel("T:NOPE");
  const waiting = ch.waitConnected(10).then(() => undefined, (e) => e);
  await r.client.get("T:LONG");
  await r.client.close();
  const error = await waiting;
  assert(error instanceof CAError);
  assertEquals(error.status, "ECA_CHANDESTROY");
  assertMatch(error.message, /T:NOPE/);
  assertThrows(() => r.client.channel("X"), /closed/);
  await r.server.close();
});

Deno.test("client: get into a caller's buffer fills it and returns the filled view", async () => {
  await using r = await rig();
  const data = new Float64Array(1_000_000).map((_, i) => i * 0.5 - 7);
  await r.client.put("T:WAVE", data, { wait: true });
  const into = new Float64Array(1_000_000);
  const v = await r.client.get("T:WAVE", { into });
  assert(v.value instanceof Float64Array);
  assertEquals(v.value.buffer, into.buffer, "the value is a view of `into`");
  assertEquals(v.count, 1_000_000);
  assertEquals(into, data);
  // again into the same buffer, with the time form's metadata
  data[3] = 99;
  await r.client.put("T:WAVE", data, { wait: true });
  const t = await r.client.get("T:WAVE", { into, form: "time" });
  assertEquals(into[3], 99);
  assert(t.timestamp instanceof Date);
  // a part of it, into a bigger buffer
  const part = new Float64Array(10);
  const p = await r.client.get("T:WAVE", { into: part, count: 4 });
  assertEquals([...(p.value as Float64Array)], [-7, -6.5, -6, 99]);
  assertEquals(part.length, 10);
  // the server converts to the buffer's type
  const long = new Int32Array(1);
  assertEquals((await r.client.get("T:LONG", { into: long })).value, long);
  assertEquals(long[0], 42);
  const wf = new Int32Array(2);
  assertEquals(
    [
      ...((await r.client.get("T:DOUBLE", { into: wf, count: 1 }))
        .value as Int32Array),
    ],
    [3],
  );
});

Deno.test("client: get into a buffer too small or of the wrong kind is a clear error", async () => {
  await using r = await rig();
  const small = await assertRejects(
    () => r.client.get("T:WAVE", { into: new Float64Array(10) }),
    /T:WAVE: ECA_BADCOUNT \(get into: the buffer holds 10 elements; 1000000 are needed\)/,
  );
  assertEquals((small as CAError).status, "ECA_BADCOUNT");
  const kind = await assertRejects(
    () =>
      r.client.get("T:WAVE", {
        into: new BigInt64Array(4) as unknown as Float64Array,
      }),
    /T:WAVE: ECA_BADTYPE \(get into: expected a Float64Array, Float32Array, Int32Array, Int16Array, Uint16Array or Uint8Array\)/,
  );
  assertEquals((kind as CAError).status, "ECA_BADTYPE");
  await assertRejects(
    () => r.client.get("T:LONG", { into: new Float64Array(1), type: "long" }),
    /T:LONG: ECA_BADTYPE \(get into: a Float64Array holds DBR double, not the long asked for\)/,
  );
  await assertRejects(
    () => r.client.get("T:STRING", { into: new Float64Array(1) }),
    /T:STRING: ECA_/,
  );
});
