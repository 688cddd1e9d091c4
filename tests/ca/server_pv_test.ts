/**
 * ServerPV on its own: value conversion on set, errors naming the PV, reads
 * in any DBR type, and write handlers (sync, async, throwing, setting).
 */
import { assertEquals, assertThrows } from "../support/assert.ts";
import { dbrType, decodeDbr, encodeDbr } from "../../lib/ca/codec/mod.ts";
import { type PVRequestError, ServerPV } from "../../lib/ca/server_pv.ts";

Deno.test("ServerPV: set converts to the native type; bad input names the PV", () => {
  const mode = new ServerPV("P:MODE", {
    type: "enum",
    enumStrings: ["STEP", "FLY"],
  });
  mode.set("FLY");
  assertEquals(mode.value, 1);
  mode.set(true);
  assertEquals(mode.value, 1);
  assertThrows(
    () => mode.set("WALK"),
    /P:MODE \(enum\).*'WALK'.*'STEP', 'FLY'/,
  );
  const msg = new ServerPV("P:MSG", { type: "char", count: 16 });
  assertEquals(msg.count, 0);
  msg.set("a long message that is cut");
  assertEquals(
    new TextDecoder().decode(msg.value as Uint8Array),
    "a long message \0", // cut to 16 bytes, NUL-terminated
  );
  assertEquals((msg.value as Uint8Array).length, 16);
  const s = new ServerPV("P:S", { type: "string" });
  assertThrows(() => s.set("x".repeat(40)), /P:S.*longer than 39 bytes/);
  const wf = new ServerPV("P:WF", { type: "short", count: 3 });
  wf.set([1, 2, 3, 4, 5]);
  assertEquals([...(wf.value as Int16Array)], [1, 2, 3]);
  assertThrows(
    () => new ServerPV("P:BAD", { type: "int" as "long" }),
    /not a DBR base type/,
  );
  assertThrows(
    () => new ServerPV("P:BAD", { type: "long", count: 0 }),
    /count 0 is invalid/,
  );
});

Deno.test("ServerPV: reads in any DBR type and form", () => {
  const pv = new ServerPV("P:D", {
    type: "double",
    value: 2.5,
    precision: 2,
    units: "mm",
  });
  const asString = pv.encode(dbrType("string"), 0);
  assertEquals(decodeDbr(0, 1, asString.payload).value, "2.50");
  const asShort = pv.encode(dbrType("short", "ctrl"), 1);
  const d = decodeDbr(dbrType("short", "ctrl"), 1, asShort.payload);
  assertEquals([d.value, d.units], [2, "mm"]);
  const e = new ServerPV("P:E", {
    type: "enum",
    enumStrings: ["A", "B"],
    value: "B",
  });
  assertEquals(decodeDbr(0, 1, e.encode(0, 1).payload).value, "B");
  const text = new ServerPV("P:T", { type: "char", count: 32, value: "hello" });
  assertEquals(decodeDbr(0, 1, text.encode(0, 0).payload).value, "hello");
  const str = new ServerPV("P:N", { type: "string", value: "12.5" });
  assertEquals(decodeDbr(6, 1, str.encode(6, 1).payload).value, 12.5);
  const bad = new ServerPV("P:X", { type: "string", value: "abc" });
  const err = assertThrows(() => bad.encode(6, 1)) as PVRequestError;
  assertEquals(err.status, "ECA_NOCONVERT");
  const over = assertThrows(() => pv.encode(6, 2)) as PVRequestError;
  assertEquals(over.status, "ECA_BADCOUNT");
  assertEquals(
    (assertThrows(() => pv.encode(99, 1)) as PVRequestError).status,
    "ECA_BADTYPE",
  );
});

Deno.test("ServerPV: write handlers run in order; a handler's own set stands", async () => {
  const log: number[] = [];
  const pv = new ServerPV("P:W", {
    type: "long",
    onWrite: async (v) => {
      await new Promise((r) => setTimeout(r, (v as number) === 1 ? 30 : 0));
      log.push(v as number);
    },
  });
  await Promise.all([pv.applyWrite(1), pv.applyWrite(2), pv.applyWrite(3)]);
  assertEquals(log, [1, 2, 3]);
  assertEquals(pv.value, 3);
  const clamp = new ServerPV("P:C", {
    type: "double",
    onWrite: (v, self) => self.set(Math.min(v as number, 10)),
  });
  await clamp.applyWrite(clamp.decodeWrite(6, 1, encodeDbr(6, { value: 50 })));
  assertEquals(clamp.value, 10);
  const refuse = new ServerPV("P:R", {
    type: "double",
    value: 1,
    onWrite: () => {
      throw new Error("no");
    },
  });
  let failed = false;
  await refuse.applyWrite(5).catch(() => failed = true);
  assertEquals([failed, refuse.value], [true, 1]);
  const e = assertThrows(() =>
    clamp.decodeWrite(0, 1, encodeDbr(0, { value: "abc" }))
  ) as PVRequestError;
  assertEquals(e.status, "ECA_PUTFAIL");
});

Deno.test("server PV: a scalar write converts as the native store does, and a decoded write leaves the value alone until applied", async () => {
  const long = new ServerPV("P:L", { type: "long", value: 1 });
  const written = long.decodeWrite(6, 1, encodeDbr(6, { value: -3.7 }));
  assertEquals([written, long.value], [-3, 1]);
  await long.applyWrite(written);
  assertEquals(long.value, -3);
  const char = new ServerPV("P:C8", { type: "char" });
  char.set(300);
  assertEquals(char.value, 44);
  const events: number[] = [];
  const dbl = new ServerPV("P:D", { type: "double", value: 0 });
  dbl.subscribe({
    mask: 1,
    notify: (pv) => events.push(pv.value as number),
  });
  for (const x of [1.5, 2.5, 3.5]) dbl.set(x);
  assertEquals(events, [1.5, 2.5, 3.5]);
});
