import {
  BASE_TYPES,
  charArrayToString,
  convertValue,
  dateToEpics,
  type DbrBaseType,
  dbrInfo,
  dbrPayloadSize,
  dbrType,
  decodeDbr,
  encodeDbr,
  epicsToDate,
  FORMS,
  stringToCharArray,
  valueOffset,
} from "../../lib/ca/codec/mod.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";

// Offsets of `value` in the db_access.h structures (computed by hand from
// the C layouts with their RISC_pad fields).
const OFFSETS: Record<string, number[]> = {
  //        string short float enum char long double
  plain: [0, 0, 0, 0, 0, 0, 0],
  sts: [4, 4, 4, 4, 5, 4, 8],
  time: [12, 14, 12, 14, 15, 12, 16],
  gr: [4, 24, 40, 422, 19, 36, 64],
  ctrl: [4, 28, 48, 422, 21, 44, 80],
};

const ARRAYS: Record<Exclude<DbrBaseType, "string">, ArrayLike<number>> = {
  short: new Int16Array([1, -2, 32767, -32768, 0]),
  float: new Float32Array([1.5, -2.25, NaN, Infinity, -Infinity]),
  enum: new Uint16Array([0, 1, 2, 65535, 3]),
  char: new Uint8Array([104, 105, 0, 255, 7]),
  long: new Int32Array([1, -2, 2147483647, -2147483648, 0]),
  double: new Float64Array([Math.PI, -0, NaN, Infinity, -Infinity]),
};

const SCALARS: Record<DbrBaseType, number | string> = {
  string: "hello world",
  short: -1234,
  float: 0.5,
  enum: 3,
  char: 200,
  long: -123456789,
  double: -1.2345678901234567e300,
};

function sampleInput(type: DbrBaseType, array: boolean) {
  const value = type === "string"
    ? (array ? ["a", "bb", "", "x".repeat(39), "z"] : SCALARS.string)
    : (array ? ARRAYS[type] : SCALARS[type]);
  return {
    value,
    status: 3,
    severity: 2,
    stamp: { secondsPastEpoch: 1_000_000_000, nanoseconds: 123_456_789 },
    units: "mm",
    precision: 4,
    enumStrings: ["ZERO", "ONE", "TWO", "A".repeat(25)],
    limits: {
      upperDisp: 10,
      lowerDisp: 1,
      upperAlarm: 9,
      upperWarning: 8,
      lowerWarning: 3,
      lowerAlarm: 2,
      upperCtrl: 7,
      lowerCtrl: 4,
    },
  };
}

Deno.test("dbr: type codes map to base type and form", () => {
  assertEquals(dbrType("double", "time"), 20);
  assertEquals(dbrType("string"), 0);
  assertEquals(dbrType("double", "ctrl"), 34);
  assertEquals(dbrInfo(31), { type: "enum", form: "ctrl" });
  assertEquals(dbrInfo(35), undefined);
  assertEquals(dbrInfo(-1), undefined);
});

Deno.test("dbr: value offsets match db_access.h structures", () => {
  for (const form of FORMS) {
    BASE_TYPES.forEach((type, i) => {
      assertEquals(
        valueOffset(type, form),
        OFFSETS[form][i],
        `${form} ${type}`,
      );
    });
  }
  assertEquals(dbrPayloadSize(34, 1), 88); // sizeof(dbr_ctrl_double)
  assertEquals(dbrPayloadSize(24, 1), 424); // sizeof(dbr_gr_enum)
  assertEquals(dbrPayloadSize(20, 1000000), 8000016);
});

for (const form of FORMS) {
  for (const type of BASE_TYPES) {
    for (const array of [false, true]) {
      const code = dbrType(type, form);
      Deno.test(`dbr: round trip ${form} ${type} ${array ? "array" : "scalar"} (code ${code})`, () => {
        const input = sampleInput(type, array);
        const bytes = encodeDbr(code, input);
        assertEquals(bytes.length % 8, 0);
        assertEquals(bytes.length, dbrPayloadSize(code, array ? 5 : 1));
        const out = decodeDbr(code, array ? 5 : 1, bytes);
        assertEquals(out.type, type);
        assertEquals(out.form, form);
        if (type === "string") {
          assertEquals(out.value, input.value);
        } else if (array) {
          const ctor = (ARRAYS[type] as Float64Array).constructor;
          assert(out.value instanceof ctor, `expected ${ctor.name}`);
          assertEquals(
            new Uint8Array(
              (out.value as Float64Array).buffer,
              (out.value as Float64Array).byteOffset,
              (out.value as Float64Array).byteLength,
            ),
            new Uint8Array((ARRAYS[type] as Float64Array).buffer),
          );
        } else {
          assertEquals(
            out.value,
            Math.fround(SCALARS[type] as number) === SCALARS[type] ||
              type !== "float"
              ? SCALARS[type]
              : Math.fround(SCALARS[type] as number),
          );
        }
        if (form === "plain") {
          assertEquals(out.status, undefined);
          return;
        }
        assertEquals([out.status, out.severity], [3, 2]);
        if (form === "time") {
          assertEquals(out.stamp, input.stamp);
          assertEquals(
            out.timestamp?.toISOString(),
            "2021-09-09T01:46:40.123Z",
          );
        }
        if (form === "gr" || form === "ctrl") {
          if (type === "enum") {
            assertEquals(out.enumStrings, input.enumStrings);
          } else if (type !== "string") {
            assertEquals(out.units, "mm");
            const want: Record<string, number> = { ...input.limits };
            if (form === "gr") {
              delete want.upperCtrl;
              delete want.lowerCtrl;
            }
            assertEquals(out.limits, want);
            assertEquals(
              out.precision,
              type === "float" || type === "double" ? 4 : undefined,
            );
          }
        }
      });
    }
  }
}

Deno.test("dbr: known bytes of a DBR_TIME_DOUBLE", () => {
  const bytes = new Uint8Array([
    0,
    7,
    0,
    2, // status HIHI? 7, severity MAJOR 2
    0x3b,
    0x9a,
    0xca,
    0x00, // 1e9 s
    0,
    0,
    0,
    5, // 5 ns
    0,
    0,
    0,
    0, // RISC_pad
    0x7f,
    0xf0,
    0,
    0,
    0,
    0,
    0,
    0, // +Inf
  ]);
  const out = decodeDbr(20, 1, bytes);
  assertEquals(out.value, Infinity);
  assertEquals(out.status, 7);
  assertEquals(out.severity, 2);
  assertEquals(out.stamp, { secondsPastEpoch: 1e9, nanoseconds: 5 });
  assertEquals(encodeDbr(20, { ...out, value: Infinity }), bytes);
});

Deno.test("dbr: NaN payload bits survive a round trip", () => {
  const bits = new Uint8Array([
    0x7f,
    0xf8,
    0,
    0,
    0,
    0,
    0,
    1,
    0xff,
    0xf0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const out = decodeDbr(6, 2, bits).value as Float64Array;
  assert(Number.isNaN(out[0]));
  assertEquals(out[1], -Infinity);
  assertEquals(encodeDbr(6, { value: out }), bits);
});

Deno.test("dbr: in-place decode reuses the payload buffer", () => {
  const data = new Float64Array(1000).map((_, i) => i * 0.5);
  const bytes = encodeDbr(6, { value: data });
  const out = decodeDbr(6, 1000, bytes, { inPlace: true })
    .value as Float64Array;
  assertEquals(out.buffer, bytes.buffer);
  assertEquals(out, data);
});

Deno.test("dbr: count 0 gives an empty array; short payload throws", () => {
  assertEquals(decodeDbr(6, 0, new Uint8Array(0)).value, new Float64Array(0));
  assertThrows(() => decodeDbr(6, 2, new Uint8Array(8)), /needs 16 bytes/);
  assertThrows(() => decodeDbr(35, 1, new Uint8Array(8)), /not supported/);
  assertThrows(() => encodeDbr(6, { value: "x" }), /number/);
  assertThrows(() => encodeDbr(0, { value: 5 }), /string/);
});

Deno.test("dbr: count pads with zeros and truncates", () => {
  const bytes = encodeDbr(5, { value: [1, 2], count: 4 });
  assertEquals(decodeDbr(5, 4, bytes).value, new Int32Array([1, 2, 0, 0]));
  const cut = encodeDbr(5, { value: [1, 2, 3], count: 2 });
  assertEquals(decodeDbr(5, 2, cut).value, new Int32Array([1, 2]));
});

Deno.test("dbr: EPICS epoch ↔ Date", () => {
  assertEquals(
    epicsToDate({ secondsPastEpoch: 0, nanoseconds: 0 }).toISOString(),
    "1990-01-01T00:00:00.000Z",
  );
  assertEquals(dateToEpics(new Date("2020-01-01T00:00:00.250Z")), {
    secondsPastEpoch: 946684800,
    nanoseconds: 250_000_000,
  });
  assertEquals(dateToEpics(new Date(0)), {
    secondsPastEpoch: 0,
    nanoseconds: 0,
  });
});

Deno.test("dbr: char array ↔ string helpers", () => {
  assertEquals(charArrayToString(new Uint8Array([104, 105, 0, 120])), "hi");
  assertEquals(charArrayToString(new Uint8Array([104, 105])), "hi");
  assertEquals(stringToCharArray("hi"), new Uint8Array([104, 105, 0]));
  assertEquals(
    stringToCharArray("hello", 4),
    new Uint8Array([104, 101, 108, 0]),
  );
  assertEquals(stringToCharArray("hi", 5), new Uint8Array([104, 105, 0, 0, 0]));
});

Deno.test("convert: enum labels, numbers, strings", () => {
  const enumStrings = ["OPEN", "CLOSED"];
  assertEquals(convertValue("CLOSED", "enum", { enumStrings }), 1);
  assertEquals(convertValue("1", "enum", { enumStrings }), 1);
  assertThrows(
    () => convertValue("HALF", "enum", { enumStrings }),
    /'OPEN', 'CLOSED'/,
  );
  assertThrows(
    () => convertValue("abc", "double"),
    /cannot convert 'abc' to double/,
  );
  assertEquals(convertValue("-inf", "double"), -Infinity);
  assert(Number.isNaN(convertValue("NaN", "float") as number));
  assertEquals(
    convertValue(3.14159, "string", { from: "double", precision: 2 }),
    "3.14",
  );
  assertEquals(
    convertValue(1, "string", { from: "enum", enumStrings }),
    "CLOSED",
  );
  assertEquals(convertValue(true, "long"), 1);
  assertEquals(convertValue(["1", "2"], "long"), new Float64Array([1, 2]));
  assertEquals(convertValue([1, 2], "string"), ["1", "2"]);
});

Deno.test("dbr: a DOUBLE array keeps every bit through the byte swap (NaN payloads too)", () => {
  const patterns = [
    [0x7f, 0xf0, 0, 0, 0, 0, 0, 1], // signalling NaN
    [0xff, 0xf4, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc], // NaN with a payload
    [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], // pi
  ];
  const n = 30_000; // long enough for the optimised loop
  const payload = new Uint8Array(n * 8);
  for (let i = 0; i < n; i++) payload.set(patterns[i % 3], i * 8);
  for (const inPlace of [false, true]) {
    const value = decodeDbr(6, n, payload.slice(), { inPlace })
      .value as Float64Array;
    const bytes = new Uint8Array(value.buffer, value.byteOffset, n * 8);
    for (let i = 0; i < n; i += 997) {
      assertEquals(
        [...bytes.subarray(i * 8, i * 8 + 8)],
        [...patterns[i % 3]].reverse(),
      );
    }
  }
});

Deno.test("dbr: a plain scalar is encoded as the DataView writes it (the fast path: odd values, typed-array input)", () => {
  const values = [
    0,
    -0,
    3.7,
    -1,
    -3.7,
    255.9,
    65535,
    65536,
    -32769,
    2 ** 31,
    -(2 ** 31) - 1,
    1e10,
    -1e10,
    NaN,
    Infinity,
    -Infinity,
    1.5e-300,
  ];
  for (const type of BASE_TYPES.filter((t) => t !== "string")) {
    const code = dbrType(type, "plain");
    for (const x of values) {
      const expected = new Uint8Array(8);
      const view = new DataView(expected.buffer);
      ({
        short: () => view.setInt16(0, x),
        float: () => view.setFloat32(0, x),
        enum: () => view.setUint16(0, x),
        char: () => view.setUint8(0, x),
        long: () => view.setInt32(0, x),
        double: () => view.setFloat64(0, x),
      })[type]();
      assertEquals(encodeDbr(code, { value: x }), expected, `${type} ${x}`);
      assertEquals(
        encodeDbr(code, { value: Float64Array.of(x), count: 1 }),
        expected,
        `${type} [${x}]`,
      );
    }
  }
});
