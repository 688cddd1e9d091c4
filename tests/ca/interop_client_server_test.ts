/**
 * End-to-end: our CA client against our CA server, in process over real
 * loopback sockets: every type and form, puts (incl. put-notify waiting for
 * an async handler), failures as named CAErrors, monitors, the 1e6 array and
 * a server restart on the same ports.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
} from "../support/assert.ts";
import { CAClient } from "../../lib/ca/client.ts";
import { CAServer } from "../../lib/ca/server.ts";
import { CAError } from "../../lib/ca/errors.ts";
import type { CAValue } from "../../lib/ca/client_types.ts";
import {
  BIG,
  type Fixture,
  fixturePV,
  SLOW_WRITE_MS,
  startFixture,
  withTimeout,
} from "./server_support.ts";

function clientFor(f: Fixture): CAClient {
  return new CAClient({
    addrList: [`127.0.0.1:${f.udpPort}`],
    autoAddrList: false,
    timeout: 5,
  });
}

Deno.test("interop: our client reads every type and form from our server", async () => {
  await using f = await startFixture();
  const client = clientFor(f);
  try {
    const scalars: [string, unknown][] = [
      ["T:DOUBLE", 3.25],
      ["T:FLOAT", -1.5],
      ["T:LONG", -123456],
      ["T:SHORT", 321],
      ["T:CHAR1", 65],
      ["T:ENUM", 1],
      ["T:STRING", "hello world"],
      ["T:NAN", NaN],
      ["T:INF", -Infinity],
    ];
    for (const [name, expected] of scalars) {
      const v = await client.get(name);
      assertEquals(v.value, expected, name);
      assertEquals(v.type, fixturePV(f, name).type);
    }
    const en = await client.get("T:ENUM", { type: "string" });
    assertEquals(en.value, "MOVING");
    const ctrl = await client.get("T:DOUBLE", { form: "ctrl" });
    assertEquals([ctrl.units, ctrl.precision], ["mm", 3]);
    assertEquals(ctrl.limits?.upperCtrl, 80);
    assertEquals(ctrl.limits?.lowerAlarm, -90);
    const enumCtrl = await client.get("T:ENUM", { form: "ctrl" });
    assertEquals(enumCtrl.enumStrings, ["IDLE", "MOVING", "DONE"]);
    const alarm = await client.get("T:ALARM", { form: "time" });
    assertEquals([alarm.status, alarm.severity], [3, 2]);
    assert(alarm.timestamp instanceof Date);
    assert(Math.abs(alarm.timestamp.getTime() - Date.now()) < 60_000);
    const wf = await client.get("T:WF:DOUBLE");
    assertEquals([...(wf.value as Float64Array)], [
      0.5,
      1.5,
      -2.5,
      1e300,
      -1e-300,
      6,
      7,
      8,
      9,
      10,
    ]);
    const wfs = await client.get("T:WF:STRING");
    assertEquals(wfs.value, ["alpha", "beta", "gamma delta", ""]);
    const wfc = await client.get("T:WF:CHAR");
    assertEquals(
      new TextDecoder().decode((wfc.value as Uint8Array).subarray(0, 28)),
      "Scan finished: 3 repetitions",
    );
    const asLong = await client.get("T:DOUBLE", { type: "long" });
    assertEquals(asLong.value, 3);
  } finally {
    await client.close();
  }
});

Deno.test("interop: puts, put-notify waiting for the handler, named failures", async () => {
  await using f = await startFixture();
  const client = clientFor(f);
  try {
    await client.put("T:DOUBLE", -7.5);
    assertEquals((await client.get("T:DOUBLE")).value, -7.5);
    await client.put("T:ENUM", "DONE", { wait: true });
    assertEquals(fixturePV(f, "T:ENUM").value, 2);
    await client.put("T:STRING", "changed", { wait: true });
    assertEquals(fixturePV(f, "T:STRING").value, "changed");
    await client.put("T:WF:LONG", [1, 2, 3], { wait: true });
    assertEquals([...(fixturePV(f, "T:WF:LONG").value as Int32Array)], [
      1,
      2,
      3,
    ]);
    const t0 = performance.now();
    await client.put("T:SLOW", 12, { wait: true });
    assert(
      performance.now() - t0 >= SLOW_WRITE_MS - 5,
      "put-notify returned before the handler finished",
    );
    assertEquals(f.slowWrites, [12]);
    const ro = await assertRejects(() => client.put("T:RO", 1, { wait: true }));
    assert(ro instanceof CAError);
    assertEquals([ro.pv, ro.status], ["T:RO", "ECA_NOWTACCESS"]);
    const fail = await assertRejects(() =>
      client.put("T:FAIL", 20, { wait: true })
    );
    assertEquals((fail as CAError).status, "ECA_PUTFAIL");
    assertEquals(fixturePV(f, "T:FAIL").value, 1);
    const missing = await assertRejects(() =>
      client.get("T:MISSING", { timeout: 0.5 })
    );
    assertEquals([(missing as CAError).pv, (missing as CAError).status], [
      "T:MISSING",
      "ECA_TIMEOUT",
    ]);
  } finally {
    await client.close();
  }
});

Deno.test("interop: monitors see the initial value and every set, in order", async () => {
  await using f = await startFixture();
  const client = clientFor(f);
  try {
    const pv = fixturePV(f, "T:LONG");
    const seen: CAValue[] = [];
    let wake: () => void = () => {};
    const sub = client.monitor("T:LONG", (v) => {
      seen.push(v);
      wake();
    });
    const waitFor = (n: number): Promise<void> =>
      withTimeout(
        (async () => {
          while (seen.length < n) await new Promise<void>((r) => wake = r);
        })(),
        5,
        `monitor update ${n}`,
      );
    await waitFor(1);
    assertEquals(seen[0].value, -123456);
    for (let i = 1; i <= 50; i++) pv.set(i);
    await waitFor(51);
    assertEquals(
      seen.map((v) => v.value).slice(1),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    sub.cancel();
    await withTimeout(
      (async () => {
        while (pv.subscriberCount > 0) {
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
      5,
      "server drops the cancelled subscription",
    );
  } finally {
    await client.close();
  }
});

Deno.test("interop: 1e6-element waveform get and put", async () => {
  await using f = await startFixture();
  const client = clientFor(f);
  try {
    const v = await client.get("T:WF:BIG", { timeout: 30 });
    const a = v.value as Float64Array;
    assertEquals(a.length, BIG);
    assertEquals([a[0], a[1], a[BIG - 1]], [0, 0.5, (BIG - 1) * 0.5]);
    const data = Float64Array.from({ length: BIG }, (_, i) => Math.sin(i));
    await client.put("T:WF:BIG", data, { wait: true, timeout: 30 });
    const stored = fixturePV(f, "T:WF:BIG").value as Float64Array;
    assertAlmostEquals(stored[123456], Math.sin(123456), 0);
    assertEquals(stored.length, BIG);
  } finally {
    await client.close();
  }
});

Deno.test("interop: the same channel object reconnects after the server restarts", async () => {
  const first = await startFixture();
  const client = clientFor(first);
  let second: CAServer | undefined;
  try {
    const channel = client.channel("T:DOUBLE");
    await channel.waitConnected(5);
    const events: boolean[] = [];
    let wake: () => void = () => {};
    channel.addEventListener("connection", (e) => {
      events.push((e as CustomEvent<{ connected: boolean }>).detail.connected);
      wake();
    });
    const until = (pred: () => boolean, what: string): Promise<void> =>
      withTimeout(
        (async () => {
          while (!pred()) await new Promise<void>((r) => wake = r);
        })(),
        10,
        what,
      );
    await first.server.close();
    await until(() => events.includes(false), "disconnect event");
    second = new CAServer({
      serverPort: first.tcpPort,
      udpPort: first.udpPort,
      intfAddrList: ["127.0.0.1"],
      beaconAddrList: ["127.0.0.1"],
      beaconPort: 1,
    });
    second.addPV("T:DOUBLE", { type: "double", value: 99 });
    await second.start();
    const t0 = performance.now();
    await until(() => events.at(-1) === true, "reconnect event");
    const took = performance.now() - t0;
    assertEquals((await channel.get()).value, 99);
    assert(took < 10_000, `reconnect took ${took} ms`);
  } finally {
    await client.close();
    await first.server.close();
    await second?.close();
  }
});
