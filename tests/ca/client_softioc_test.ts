/**
 * Our client against a real EPICS softIoc, checked against what EPICS's own
 * caget/caput/camonitor show; reconnection after SIGKILL+restart and after
 * SIGSTOP/SIGCONT.
 */
import {
  ALARM_SEVERITY,
  ALARM_STATUS,
  CAClient,
  type CAClientOptions,
  type CAValue,
  charArrayToString,
  type DbrBaseType,
} from "../../lib/ca/mod.ts";
import { missingReference } from "../support/refs.ts";
import {
  caget,
  Camonitor,
  caput,
  freePort,
  MAX_ARRAY_BYTES,
  SoftIoc,
} from "../support/epics.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";

const ignore = missingReference("epics");

function clientFor(ioc: SoftIoc, extra: CAClientOptions = {}): CAClient {
  return new CAClient({
    addrList: [`127.0.0.1:${ioc.port}`],
    autoAddrList: false,
    timeout: 5,
    maxArrayBytes: MAX_ARRAY_BYTES,
    ...extra,
  });
}

/** Parses `caget -d DBR_…` output into name → key → value text. */
function parseDetail(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let key = "";
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      current = new Map();
      out.set(line.trim(), current);
      continue;
    }
    const m = line.match(/^\s+([A-Za-z][A-Za-z ]+):\s*(.*)$/);
    if (m && current) {
      key = m[1].trim();
      current.set(key, m[2].trim());
    } else if (current && key === "Enums") {
      const e = line.match(/^\s+\[\s*\d+\]\s?(.*)$/);
      if (e) current.set("Enums", current.get("Enums") + "\n" + e[1]);
    }
  }
  return out;
}

function num(text: string): number {
  const t = text.toLowerCase();
  if (t === "nan" || t === "-nan") return NaN;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  return Number(text);
}

function same(a: number, b: number, type: DbrBaseType): boolean {
  if (type === "char") return (a & 0xff) === (b & 0xff);
  return Object.is(a, b) || a === b ||
    Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

const DBR_NAME: Record<DbrBaseType, string> = {
  string: "STRING",
  short: "SHORT",
  float: "FLOAT",
  enum: "ENUM",
  char: "CHAR",
  long: "LONG",
  double: "DOUBLE",
};

const PVS = [
  "AI",
  "AO",
  "AI:HIHI",
  "AI:LOLO",
  "AO:NAN",
  "AO:INF",
  "AO:NINF",
  "LONGIN",
  "LONGOUT",
  "MBBI",
  "MBBO",
  "BO",
  "BI",
  "STRINGIN",
  "STRINGOUT",
  "WF:CHAR",
  "WF:UCHAR",
  "WF:SHORT",
  "WF:USHORT",
  "WF:LONG",
  "WF:ULONG",
  "WF:FLOAT",
  "WF:DOUBLE",
  "WF:STRING",
  "WF:EMPTY",
];

function compare(ours: CAValue, theirs: Map<string, string>): void {
  const what = `${ours.name} (${ours.type})`;
  const t = ours.type;
  const valueText = theirs.get("Value") ?? "";
  if (t === "string") {
    const values = typeof ours.value === "string"
      ? [ours.value]
      : ours.value as string[];
    assertEquals(values.join(" ").trim(), valueText.trim(), what);
  } else if (t === "enum" && ours.enumStrings) {
    const label = ours.enumStrings[ours.value as number] ?? String(ours.value);
    assertEquals(label, valueText, what);
    const enums = (theirs.get("Enums") ?? "").split("\n").slice(1);
    assertEquals(ours.enumStrings, enums, `${what} enum strings`);
  } else {
    const values = typeof ours.value === "number"
      ? [ours.value]
      : Array.from(ours.value as ArrayLike<number>);
    const fields = valueText === "" ? [] : valueText.split(/\s+/).map(num);
    assertEquals(values.length, fields.length, `${what} element count`);
    values.forEach((v, i) =>
      assert(
        same(v, fields[i], t),
        `${what}[${i}]: ours ${v}, caget ${fields[i]}`,
      )
    );
  }
  assertEquals(
    ALARM_STATUS[ours.status!],
    theirs.get("Status"),
    `${what} status`,
  );
  assertEquals(
    ALARM_SEVERITY[ours.severity!],
    theirs.get("Severity"),
    `${what} severity`,
  );
  if (ours.units !== undefined) {
    assertEquals(ours.units, theirs.get("Units"), `${what} units`);
  }
  if (ours.precision !== undefined) {
    assertEquals(
      String(ours.precision),
      theirs.get("Precision"),
      `${what} precision`,
    );
  }
  if (ours.limits) {
    const keys: [keyof NonNullable<CAValue["limits"]>, string][] = [
      ["lowerDisp", "Lo disp limit"],
      ["upperDisp", "Hi disp limit"],
      ["lowerAlarm", "Lo alarm limit"],
      ["lowerWarning", "Lo warn limit"],
      ["upperWarning", "Hi warn limit"],
      ["upperAlarm", "Hi alarm limit"],
      ["lowerCtrl", "Lo ctrl limit"],
      ["upperCtrl", "Hi ctrl limit"],
    ];
    for (const [k, label] of keys) {
      const v = ours.limits[k]!;
      const c = num(theirs.get(label) ?? "");
      assert(
        same(v, c, t) || Math.abs(v - c) <= 1e-5 * Math.abs(c),
        `${what} ${label}: ours ${v}, caget ${c}`,
      );
    }
  }
}

Deno.test({
  name: "softIoc: get in ctrl and time form equals caget for every DBR type",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const client = clientFor(ioc);
    try {
      for (const record of PVS) {
        const pv = ioc.pv(record);
        const ch = client.channel(pv);
        await ch.waitConnected(5);
        const native = ch.nativeType!;
        // caget asks for the native element count (not the current one)
        const ours = await ch.get({ form: "ctrl", count: ch.count });
        const r = await caget([
          "-g",
          "17",
          "-d",
          `DBR_CTRL_${DBR_NAME[native]}`,
          pv,
        ], { port: ioc.port });
        assert(r.success, r.stderr);
        compare(ours, parseDetail(r.stdout).get(pv)!);
        const time = await ch.get({ form: "time" });
        const rt = await caget(["-d", `DBR_TIME_${DBR_NAME[native]}`, pv], {
          port: ioc.port,
        });
        const stampText = parseDetail(rt.stdout).get(pv)!.get("Timestamp")!;
        if (stampText === "<undefined>") {
          assertEquals(
            time.stamp?.secondsPastEpoch,
            0,
            `${pv} undefined stamp`,
          );
        } else {
          const theirs = new Date(stampText.replace(" ", "T") + "Z").getTime();
          const offset = new Date().getTimezoneOffset() * 60_000;
          assert(
            Math.abs(time.timestamp!.getTime() - (theirs + offset)) < 1,
            `${pv} stamp ${time.timestamp!.toISOString()} vs ${stampText}`,
          );
        }
      }
      // CHAR waveform as text, like caget -S
      const msg = await client.get(ioc.pv("WF:CHAR"));
      const s = await caget(["-t", "-S", ioc.pv("WF:CHAR")], {
        port: ioc.port,
      });
      assertEquals(charArrayToString(msg.value as Uint8Array), s.stdout.trim());
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "softIoc: put and put-callback agree with caget/caput",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const client = clientFor(ioc);
    const read = async (record: string, args: string[] = []) =>
      (await caget(["-t", ...args, ioc.pv(record)], { port: ioc.port })).stdout
        .trim();
    try {
      await client.put(ioc.pv("AO"), 2.25, { wait: true });
      assertEquals(await read("AO"), "2.25");
      await client.put(ioc.pv("AO"), "-3.5");
      await client.get(ioc.pv("AO")); // round trip: the WRITE is processed
      assertEquals(await read("AO"), "-3.5");
      await client.put(ioc.pv("LONGOUT"), 123, { wait: true });
      assertEquals(await read("LONGOUT"), "123");
      await client.put(ioc.pv("MBBO"), "FLY", { wait: true });
      assertEquals(await read("MBBO"), "FLY");
      await client.put(ioc.pv("BO"), 0, { wait: true });
      assertEquals(await read("BO"), "Off");
      await client.put(ioc.pv("BO"), "On", { wait: true });
      assertEquals(await read("BO"), "On");
      await client.put(ioc.pv("STRINGOUT"), "written by fws", { wait: true });
      assertEquals(await read("STRINGOUT"), "written by fws");
      await client.put(ioc.pv("WF:CHAR"), "status: scanning", { wait: true });
      assertEquals(await read("WF:CHAR", ["-S"]), "status: scanning");
      await client.put(ioc.pv("WF:DOUBLE"), [1.5, NaN, -Infinity], {
        wait: true,
      });
      assertEquals(await read("WF:DOUBLE", ["-#", "3"]), "3 1.5 nan -inf");
      const wf = await client.get(ioc.pv("WF:DOUBLE")); // current count
      assertEquals(wf.value, new Float64Array([1.5, NaN, -Infinity]));
      await client.put(ioc.pv("AO"), NaN, { wait: true });
      assertEquals(await read("AO"), "nan");
      // and the other way round
      const p = await caput(["-c", ioc.pv("AO"), "7.125"], { port: ioc.port });
      assert(p.success, p.stderr);
      assertEquals((await client.get(ioc.pv("AO"))).value, 7.125);
      await caput(["-S", ioc.pv("WF:CHAR"), "from caput"], { port: ioc.port });
      const msg = await client.get(ioc.pv("WF:CHAR"));
      assertEquals(charArrayToString(msg.value as Uint8Array), "from caput");
      await caput([ioc.pv("MBBO"), "STEP"], { port: ioc.port });
      assertEquals(
        (await client.get(ioc.pv("MBBO"), { type: "string" })).value,
        "STEP",
      );
      const bad = await client.put(ioc.pv("LONGOUT"), "abc").then(
        () => undefined,
        (e) => e,
      );
      assert(
        bad instanceof Error && /LONGOUT: ECA_BADTYPE/.test(bad.message),
        String(bad),
      );
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "softIoc: monitors see what camonitor sees",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const client = clientFor(ioc);
    const mon = Camonitor.start([ioc.pv("AO")], { port: ioc.port });
    try {
      const ours: number[] = [];
      let wake = () => {};
      const sub = client.monitor(ioc.pv("AO"), (v) => {
        ours.push(v.value as number);
        wake();
      });
      const until = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`monitor: ${ours}`)),
            5000,
          );
          wake = () => {
            if (ours.length >= n) {
              clearTimeout(timer);
              resolve();
            }
          };
          wake();
        });
      await until(1);
      const first = await mon.nextLine(5);
      for (const v of ["1.25", "-2", "nan", "inf"]) {
        await caput([ioc.pv("AO"), v], { port: ioc.port });
      }
      await until(5);
      const lines = [first];
      for (let i = 0; i < 4; i++) lines.push(await mon.nextLine(5));
      // NAME date time value [status severity]
      const theirs = lines.map((l) => num(l.trim().split(/\s+/)[3]));
      assertEquals(ours.length, 5);
      ours.forEach((v, i) =>
        assert(
          same(v, theirs[i], "double"),
          `update ${i}: ours ${v}, camonitor ${theirs[i]}`,
        )
      );
      sub.cancel();
      // the TICK counter: 3 updates 0.1 s apart
      const ticks: CAValue[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no ticks")), 5000);
        const s = client.monitor(ioc.pv("TICK"), (v) => {
          ticks.push(v);
          if (ticks.length === 3) {
            clearTimeout(timer);
            s.cancel();
            resolve();
          }
        });
      });
      assertEquals(ticks[2].value as number - (ticks[1].value as number), 1);
      const dt = ticks[2].timestamp!.getTime() - ticks[1].timestamp!.getTime();
      assert(dt > 50 && dt < 200, `tick spacing ${dt} ms`);
    } finally {
      await mon.close();
      await client.close();
    }
  },
});

Deno.test({
  name: "softIoc: a 1e6-element DOUBLE waveform",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const client = clientFor(ioc);
    try {
      const data = new Float64Array(1_000_000).map((_, i) => i * 0.25);
      data[1] = NaN;
      data[2] = Infinity;
      await client.put(ioc.pv("WF:BIG"), data, { wait: true });
      const times: number[] = [];
      let v: CAValue | undefined;
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        v = await client.get(ioc.pv("WF:BIG"));
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(
        `1e6 DOUBLE get from softIoc: median ${times[3].toFixed(1)} ms`,
      );
      assertEquals(v!.value, data);
      // into a caller's buffer: the same values, in that buffer
      const into = new Float64Array(1_000_000);
      const filled = await client.get(ioc.pv("WF:BIG"), { into });
      assert(filled.value instanceof Float64Array);
      assertEquals(filled.value.buffer, into.buffer);
      assertEquals(into, data);
      // the IOC converts to the buffer's type (DBR_LONG)
      const longs = new Int32Array(9);
      const part = await client.get(ioc.pv("WF:BIG"), {
        into: longs,
        count: 9,
      });
      assertEquals(part.count, 9);
      assertEquals([longs[0], longs[4], longs[8]], [0, 1, 2]);
      await assertRejects(
        () => client.get(ioc.pv("WF:BIG"), { into: new Float64Array(3) }),
        /ECA_BADCOUNT/,
      );
      const r = await caget(["-#", "4", ioc.pv("WF:BIG")], { port: ioc.port });
      assertEquals(r.stdout.trim().split(/\s+/).slice(1), [
        "4",
        "0",
        "nan",
        "inf",
        "0.75",
      ]);
    } finally {
      await client.close();
    }
  },
});

async function watch(ioc: SoftIoc, client: CAClient) {
  const channel = client.channel(ioc.pv("TICK"));
  const events: { connected: boolean; at: number }[] = [];
  channel.addEventListener("connection", (e) => {
    events.push({
      connected: (e as CustomEvent<{ connected: boolean }>).detail.connected,
      at: performance.now(),
    });
  });
  const updates: { value: number; at: number }[] = [];
  const sub = channel.subscribe((v) =>
    updates.push({ value: v.value as number, at: performance.now() })
  );
  const waitFor = async (
    cond: () => boolean,
    seconds: number,
    what: string,
  ) => {
    const deadline = performance.now() + seconds * 1000;
    while (!cond()) {
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for ${what}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() => updates.length > 0, 5, "the first update");
  return { channel, events, updates, sub, waitFor };
}

Deno.test({
  name: "softIoc: SIGKILL + restart: the same channel and monitor resume",
  ignore,
  async fn() {
    const beaconPort = await freePort();
    await using ioc = await SoftIoc.start({ beaconPort });
    const client = clientFor(ioc, {
      repeaterPort: beaconPort,
      connectionTimeout: 2,
    });
    try {
      const w = await watch(ioc, client);
      await ioc.kill();
      await w.waitFor(
        () => w.events.some((e) => !e.connected),
        5,
        "the disconnect",
      );
      const before = w.updates.length;
      await new Promise((r) => setTimeout(r, 1500)); // down for a while
      await ioc.restart();
      const ready = performance.now();
      await w.waitFor(
        () => w.updates.length > before,
        5,
        "a monitor update after the restart",
      );
      const resumed = w.updates[before].at - ready;
      const connected = w.events.at(-1)!.at - ready;
      console.log(
        `SIGKILL+restart: reconnected ${
          connected.toFixed(0)
        } ms, monitor resumed ${resumed.toFixed(0)} ms after the IOC was ready`,
      );
      assert(resumed < 5000);
      assertEquals(w.events.map((e) => e.connected), [true, false, true]);
      assert(w.channel === client.channel(ioc.pv("TICK")));
      w.sub.cancel();
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "softIoc: SIGSTOP/SIGCONT: disconnect reported, then resume",
  ignore,
  async fn() {
    const beaconPort = await freePort();
    await using ioc = await SoftIoc.start({ beaconPort });
    const client = clientFor(ioc, {
      repeaterPort: beaconPort,
      connectionTimeout: 1,
    });
    try {
      const w = await watch(ioc, client);
      const stoppedAt = performance.now();
      ioc.stop();
      await w.waitFor(
        () => w.events.some((e) => !e.connected),
        6,
        "the disconnect",
      );
      const detect = w.events.find((e) => !e.connected)!.at - stoppedAt;
      await new Promise((r) => setTimeout(r, 1000));
      const before = w.updates.length;
      const contAt = performance.now();
      ioc.cont();
      await w.waitFor(
        () => w.updates.length > before,
        6,
        "a monitor update after SIGCONT",
      );
      const resumed = w.updates[before].at - contAt;
      console.log(
        `SIGSTOP: disconnect reported after ${
          detect.toFixed(0)
        } ms; SIGCONT: monitor resumed after ${resumed.toFixed(0)} ms`,
      );
      assert(resumed < 5000);
      assertEquals(w.events.map((e) => e.connected), [true, false, true]);
      w.sub.cancel();
    } finally {
      if (ioc.stopped) ioc.cont();
      await client.close();
    }
  },
});
