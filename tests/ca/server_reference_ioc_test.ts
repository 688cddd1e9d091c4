/**
 * The reference IOC helpers (tests/support/epics.ts) do what the CA tests
 * rely on: softIoc serves the test database on a free port, survives
 * SIGSTOP/SIGCONT, comes back on the same port after SIGKILL, and the 1e6
 * waveform can be filled.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { missingReference } from "../support/refs.ts";
import {
  caget,
  cainfo,
  parseCagetLine,
  parseCainfo,
  parseNumbers,
  SoftIoc,
} from "../support/epics.ts";

const ignore = missingReference("epics");

Deno.test({
  name: "reference IOC: serves every record of the test database",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const r = await caget(
      [
        "AI",
        "AI:HIHI",
        "AO:NAN",
        "AO:INF",
        "AO:NINF",
        "LONGIN",
        "MBBI",
        "STRINGIN",
      ].map((n) => ioc.pv(n)),
      { port: ioc.port },
    );
    assertEquals(r.stderr, "");
    assertEquals(
      r.stdout.trim().split("\n").map((l) => parseCagetLine(l).rest.trim()),
      [
        "3.14159",
        "95",
        "nan",
        "inf",
        "-inf",
        "42",
        "ACQUIRING",
        "hello world",
      ],
    );
    const a = await caget(["-a", ioc.pv("AI:HIHI"), ioc.pv("AI:LOLO")], {
      port: ioc.port,
    });
    assertMatch(a.stdout, /95 HIHI MAJOR/);
    assertMatch(a.stdout, /-95 LOLO MAJOR/);
    const types = parseCainfo(
      (await cainfo(
        [
          "WF:CHAR",
          "WF:SHORT",
          "WF:LONG",
          "WF:FLOAT",
          "WF:DOUBLE",
          "WF:STRING",
          "MBBO",
        ].map((n) => ioc.pv(n)),
        { port: ioc.port },
      )).stdout,
    );
    assertEquals(types.map((t) => t.nativeType), [
      "DBF_CHAR",
      "DBF_SHORT",
      "DBF_LONG",
      "DBF_FLOAT",
      "DBF_DOUBLE",
      "DBF_STRING",
      "DBF_ENUM",
    ]);
    const s = await caget(["-S", ioc.pv("WF:CHAR")], { port: ioc.port });
    assertMatch(s.stdout, /Scan finished: 3 repetitions/);
  },
});

Deno.test({
  name: "reference IOC: stop/continue, kill/restart on the same port, fillBig",
  ignore,
  async fn() {
    await using ioc = await SoftIoc.start();
    const port = ioc.port;
    ioc.stop();
    const frozen = await caget(["-w", "0.3", ioc.pv("AI")], { port });
    assert(!frozen.success, "a stopped IOC must not answer");
    ioc.cont();
    assert((await caget([ioc.pv("AI")], { port })).success);
    await ioc.kill();
    assert(!ioc.running);
    await ioc.restart();
    assertEquals(ioc.port, port);
    assert((await caget([ioc.pv("AI")], { port })).success);
    await ioc.fillBig(1000);
    const r = await caget(["-#", "3", ioc.pv("WF:BIG")], { port });
    assertEquals(
      parseNumbers(parseCagetLine(r.stdout.trim(), { array: true }).fields),
      [0, 0.5, 1],
    );
  },
});
