/**
 * Our CA server against EPICS's own clients (caget, caput, camonitor,
 * cainfo from EPICS base 7.0.3.1): every type, metadata, alarms, put with
 * completion waiting for an async write handler, read-only PVs, monitors
 * with masks and a 1e6-element waveform.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import {
  caget,
  cainfo,
  Camonitor,
  caput,
  parseCagetLine,
  parseCainfo,
  parseNumbers,
} from "../support/epics.ts";
import {
  BIG,
  fixturePV,
  SLOW_WRITE_MS,
  startFixture,
} from "./server_support.ts";

const ignore = missingReference("epics");

Deno.test({
  name: "server: caget reads every scalar type",
  ignore,
  async fn() {
    await using f = await startFixture();
    const r = await caget([
      "T:DOUBLE",
      "T:FLOAT",
      "T:LONG",
      "T:SHORT",
      "T:CHAR1",
      "T:ENUM",
      "T:STRING",
      "T:NAN",
      "T:INF",
    ], { port: f.udpPort });
    assertEquals(r.stderr, "");
    const values = r.stdout.trim().split("\n").map((l) =>
      parseCagetLine(l).rest.trim()
    );
    assertEquals(values, [
      "3.25",
      "-1.5",
      "-123456",
      "321",
      "65",
      "MOVING",
      "hello world",
      "nan",
      "-inf",
    ]);
  },
});

Deno.test({
  name: "server: caget reads arrays of every type, CHAR waveform as string",
  ignore,
  async fn() {
    await using f = await startFixture();
    const r = await caget([
      "T:WF:DOUBLE",
      "T:WF:FLOAT",
      "T:WF:LONG",
      "T:WF:SHORT",
      "T:WF:ENUM",
      "T:WF:STRING",
    ], { port: f.udpPort });
    assertEquals(r.stderr, "");
    const lines = r.stdout.trim().split("\n").map((l) =>
      parseCagetLine(l, { array: true })
    );
    assertEquals(lines[0].count, 10);
    assertEquals(parseNumbers(lines[0].fields), [
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
    assertEquals(parseNumbers(lines[1].fields), [0.5, -1.25, 3.5, 1e10, -2.75]);
    assertEquals(parseNumbers(lines[2].fields), [
      -2147483648,
      -1,
      0,
      1,
      123456789,
      2147483647,
    ]);
    assertEquals(parseNumbers(lines[3].fields), [-32768, -1, 1, 32767]);
    assertEquals(lines[4].fields, ["A", "B", "C"]);
    assertEquals(lines[5].count, 4);
    assertMatch(lines[5].rest, /^4 alpha beta gamma delta\s*$/);
    const s = await caget(["-S", "T:WF:CHAR"], { port: f.udpPort });
    assertEquals(s.stdout.trim(), "T:WF:CHAR Scan finished: 3 repetitions");
  },
});

Deno.test({
  name:
    "server: DBR_CTRL metadata, enum strings and alarms as caget shows them",
  ignore,
  async fn() {
    await using f = await startFixture();
    const ctrl = await caget(["-d", "DBR_CTRL_DOUBLE", "T:DOUBLE"], {
      port: f.udpPort,
    });
    for (
      const line of [
        /Value:\s+3.25/,
        /Units:\s+mm/,
        /Precision:\s+3/,
        /Lo disp limit:\s+-100/,
        /Hi disp limit:\s+100/,
        /Lo alarm limit:\s+-90/,
        /Lo warn limit:\s+-50/,
        /Hi warn limit:\s+50/,
        /Hi alarm limit:\s+90/,
        /Lo ctrl limit:\s+-80/,
        /Hi ctrl limit:\s+80/,
      ]
    ) assertMatch(ctrl.stdout, line);
    const en = await caget(["-d", "DBR_CTRL_ENUM", "T:ENUM"], {
      port: f.udpPort,
    });
    assertMatch(en.stdout, /Value:\s+MOVING/);
    assertMatch(en.stdout, /Enums:\s+\(\s*3\)/);
    assertMatch(en.stdout, /\[\s*2\] DONE/);
    const alarm = await caget(["-a", "T:ALARM", "T:DOUBLE"], {
      port: f.udpPort,
    });
    const [a, d] = alarm.stdout.trim().split("\n");
    assertMatch(a, /95 HIHI MAJOR$/);
    assertMatch(d, /3.25\s*$/);
    const ts = await caget(["-d", "DBR_TIME_DOUBLE", "T:DOUBLE"], {
      port: f.udpPort,
    });
    const stamp = ts.stdout.match(/Timestamp:\s+(\S+ \S+)/)?.[1];
    assert(stamp, `no timestamp in ${ts.stdout}`);
    const age = Date.now() - new Date(stamp.replace(" ", "T") + "Z").getTime();
    // caget prints local time; the test environment is UTC
    assert(
      Math.abs(age) < 60_000,
      `timestamp ${stamp} is ${age} ms away from now`,
    );
  },
});

Deno.test({
  name: "server: cainfo shows native types, counts and access rights",
  ignore,
  async fn() {
    await using f = await startFixture();
    const r = await cainfo([
      "T:DOUBLE",
      "T:ENUM",
      "T:WF:CHAR",
      "T:WF:BIG",
      "T:RO",
    ], {
      port: f.udpPort,
    });
    const info = parseCainfo(r.stdout);
    assertEquals(
      info.map((i) => [i.name, i.state, i.nativeType, i.count, i.access]),
      [
        ["T:DOUBLE", "connected", "DBF_DOUBLE", 1, "read, write"],
        ["T:ENUM", "connected", "DBF_ENUM", 1, "read, write"],
        ["T:WF:CHAR", "connected", "DBF_CHAR", 256, "read, write"],
        ["T:WF:BIG", "connected", "DBF_DOUBLE", BIG, "read, write"],
        ["T:RO", "connected", "DBF_LONG", 1, "read, no write"],
      ],
    );
    assertEquals(info[0].host, `localhost:${f.tcpPort}`);
  },
});

Deno.test({
  name: "server: caput writes every type; caget and the PV see the new value",
  ignore,
  async fn() {
    await using f = await startFixture();
    const port = f.udpPort;
    const cases: [string, string[], unknown][] = [
      ["T:DOUBLE", ["-12.5"], -12.5],
      ["T:FLOAT", ["2.25"], 2.25],
      ["T:LONG", ["99999"], 99999],
      ["T:SHORT", ["-7"], -7],
      ["T:ENUM", ["DONE"], 2],
      ["T:STRING", ["new text"], "new text"],
      ["T:NAN", ["nan"], NaN],
    ];
    for (const [name, args, expected] of cases) {
      const r = await caput([name, ...args], { port });
      assertEquals(r.stderr, "", `${name}: ${r.stderr}`);
      assert(r.success, `caput ${name} failed`);
      assertEquals(fixturePV(f, name).value, expected, name);
    }
    const e = await caput(["T:ENUM", "0"], { port });
    assert(e.success);
    assertEquals(fixturePV(f, "T:ENUM").value, 0);
    const arr = await caput(["-a", "T:WF:DOUBLE", "3", "1.5", "2.5", "-3.5"], {
      port,
    });
    assert(arr.success, arr.stderr);
    assertEquals([...(fixturePV(f, "T:WF:DOUBLE").value as Float64Array)], [
      1.5,
      2.5,
      -3.5,
    ]);
    const g = await caget(["T:WF:DOUBLE"], { port });
    // caget asks for the channel's full count: the server pads with zeros, as rsrv does
    const gl = parseCagetLine(g.stdout.trim(), { array: true });
    assertEquals(gl.count, 10);
    assertEquals(parseNumbers(gl.fields), [
      1.5,
      2.5,
      -3.5,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    const s = await caput(["-S", "T:WF:CHAR", "profile written"], { port });
    assert(s.success, s.stderr);
    assertEquals(
      (await caget(["-S", "T:WF:CHAR"], { port })).stdout.trim(),
      "T:WF:CHAR profile written",
    );
    // as with softIoc: a plain put reports the server's error, put-callback fails
    const bad = await caput(["T:DOUBLE", "abc"], { port });
    assertMatch(bad.stderr, /cannot convert 'abc' to double/);
    const badc = await caput(["-c", "T:DOUBLE", "abc"], { port });
    assert(!badc.success, "caput -c of 'abc' to a double must fail");
    assertMatch(badc.stderr, /Channel write request failed/);
    assertEquals(fixturePV(f, "T:DOUBLE").value, -12.5);
  },
});

Deno.test({
  name: "server: caput -c completes only after the async write handler",
  ignore,
  async fn() {
    await using f = await startFixture();
    const t0 = performance.now();
    const r = await caput(["-c", "-w", "5", "T:SLOW", "42"], {
      port: f.udpPort,
    });
    const elapsed = performance.now() - t0;
    assert(r.success, r.stderr);
    assertMatch(r.stdout, /New : T:SLOW\s+42/);
    assertEquals(f.slowWrites, [42]);
    assert(
      elapsed >= SLOW_WRITE_MS,
      `put-callback returned after ${elapsed} ms`,
    );
  },
});

Deno.test({
  name:
    "server: caput to a read-only PV and a refusing handler fail; the value stays",
  ignore,
  async fn() {
    await using f = await startFixture();
    const ro = await caput(["T:RO", "5"], { port: f.udpPort });
    assert(!ro.success);
    assertMatch(ro.stderr, /Write access denied/);
    assertEquals(fixturePV(f, "T:RO").value, 7);
    const roc = await caput(["-c", "T:RO", "5"], { port: f.udpPort });
    assert(!roc.success);
    const fail = await caput(["-c", "-w", "3", "T:FAIL", "11"], {
      port: f.udpPort,
    });
    assertMatch(fail.stderr + fail.stdout, /put|fail/i);
    assertEquals(fixturePV(f, "T:FAIL").value, 1);
    const ok = await caput(["-c", "T:FAIL", "5"], { port: f.udpPort });
    assert(ok.success, ok.stderr);
    assertEquals(fixturePV(f, "T:FAIL").value, 5);
  },
});

Deno.test({
  name:
    "server: camonitor gets the initial value, updates, and honours the mask",
  ignore,
  async fn() {
    await using f = await startFixture();
    const pv = fixturePV(f, "T:DOUBLE");
    await using mon = Camonitor.start(["T:DOUBLE"], { port: f.udpPort });
    await using alarms = Camonitor.start(["-m", "a", "T:DOUBLE"], {
      port: f.udpPort,
    });
    assertMatch(await mon.nextLine(), /T:DOUBLE .* 3.25\s*$/);
    assertMatch(await alarms.nextLine(), /T:DOUBLE .* 3.25\s*$/);
    for (const v of [1, 2, 3]) {
      pv.set(v);
      assertMatch(await mon.nextLine(), new RegExp(`T:DOUBLE .* ${v}\\s*$`));
    }
    pv.set(4, { status: 3, severity: 2 });
    assertMatch(await mon.nextLine(), /T:DOUBLE .* 4 HIHI MAJOR\s*$/);
    assertMatch(await alarms.nextLine(), /T:DOUBLE .* 4 HIHI MAJOR\s*$/);
    assertEquals(alarms.pending, 0, "the alarm-only monitor saw value changes");
    const en = fixturePV(f, "T:ENUM");
    await using menum = Camonitor.start(["T:ENUM", "T:WF:CHAR"], {
      port: f.udpPort,
    });
    const first = [await menum.nextLine(), await menum.nextLine()].sort().join(
      "\n",
    );
    assertMatch(first, /T:ENUM .* MOVING/);
    en.set("DONE");
    assertMatch(await menum.nextLine(), /T:ENUM .* DONE/);
  },
});

Deno.test({
  name: "server: caget of the 1e6-element waveform, caput -a of a big array",
  ignore,
  async fn() {
    await using f = await startFixture();
    const r = await caget(["-g", "10", "T:WF:BIG"], {
      port: f.udpPort,
      timeout: 60,
    });
    assertEquals(r.stderr, "");
    const line = parseCagetLine(r.stdout.trim(), { array: true });
    assertEquals(line.count, BIG);
    assertEquals(line.fields.length, BIG);
    assertEquals(parseNumbers(line.fields.slice(0, 3)), [0, 0.5, 1]);
    assertEquals(Number(line.fields[BIG - 1]), (BIG - 1) * 0.5);
    const part = await caget(["-#", "4", "T:WF:BIG"], { port: f.udpPort });
    assertEquals(part.stdout.trim(), "T:WF:BIG 4 0 0.5 1 1.5");
    const values = Array.from({ length: 5000 }, (_, i) => String(i % 97));
    const put = await caput(["-a", "T:WF:BIG", "5000", ...values], {
      port: f.udpPort,
    });
    assert(put.success, put.stderr);
    const got = fixturePV(f, "T:WF:BIG").value as Float64Array;
    assertEquals(got.length, 5000);
    assertEquals(got[4999], 4999 % 97);
  },
});

Deno.test({
  name: "server: camonitor follows every type the server offers",
  ignore,
  async fn() {
    await using f = await startFixture();
    const names = [
      "T:DOUBLE",
      "T:FLOAT",
      "T:LONG",
      "T:SHORT",
      "T:CHAR1",
      "T:ENUM",
      "T:STRING",
      "T:WF:DOUBLE",
      "T:WF:FLOAT",
      "T:WF:LONG",
      "T:WF:SHORT",
      "T:WF:ENUM",
      "T:WF:STRING",
    ];
    await using mon = Camonitor.start(names, { port: f.udpPort });
    const initial = new Set<string>();
    while (initial.size < names.length) {
      initial.add((await mon.nextLine()).split(/\s+/)[0]);
    }
    assertEquals([...initial].sort(), [...names].sort());
    const updates: [string, unknown, RegExp][] = [
      ["T:DOUBLE", 8.5, /8.5\s*$/],
      ["T:FLOAT", 0.25, /0.25\s*$/],
      ["T:LONG", 77, /77\s*$/],
      ["T:SHORT", -5, /-5\s*$/],
      ["T:CHAR1", 66, /66\s*$/],
      ["T:ENUM", "IDLE", /IDLE\s*$/],
      ["T:STRING", "updated", /updated\s*$/],
      ["T:WF:DOUBLE", [1, 2], / 2 1 2\s*$/],
      ["T:WF:FLOAT", [0.5, 4], / 2 0.5 4\s*$/],
      ["T:WF:LONG", [9, 8, 7], / 3 9 8 7\s*$/],
      ["T:WF:SHORT", [3, 4], / 2 3 4\s*$/],
      ["T:WF:ENUM", [2, 2, 0], / 3 C C A\s*$/],
      ["T:WF:STRING", ["x", "y"], / 2 x y\s*$/],
    ];
    // camonitor subscribes with count 0: it shows the current (dynamic) length
    for (const [name, value, shown] of updates) {
      fixturePV(f, name).set(value as number);
      const line = await mon.nextLine();
      assert(
        line.startsWith(name + " "),
        `expected an update of ${name}, got ${line}`,
      );
      assertMatch(line, shown);
    }
  },
});
