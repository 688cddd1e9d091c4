import {
  MAX_STEPS,
  type RawScanInputs,
  scanArgsOf,
  ScanConfigError,
  validateScanConfig,
} from "../../lib/scan/config.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertThrows,
} from "../support/assert.ts";

const P = "FWS01:";
const channels = {
  struckChannels: ["PDB", "PDT"],
  iopsChannels: ["ch1", "ch2"],
};
const limits = {
  hlm: { value: 20, pv: `${P}MTR.HLM` },
  llm: { value: -20, pv: `${P}MTR.LLM` },
  vmax: { value: 10, pv: `${P}MTR.VMAX` },
};

function inputs(over: Record<string, unknown> = {}): RawScanInputs {
  const base: Record<string, unknown> = {
    mode: 0,
    startPos: -2,
    endPos: 2,
    nSteps: 21,
    speed: 1,
    nScans: 3,
    settle: 0.1,
    bidir: 0,
    user: "ada",
    comment: "test",
    ...over,
  };
  const pvOf: Record<string, string> = {
    mode: "SCAN:MODE",
    startPos: "SCAN:START_POS",
    endPos: "SCAN:END_POS",
    nSteps: "SCAN:NSTEPS",
    speed: "SCAN:SPEED",
    nScans: "SCAN:NSCANS",
    settle: "SCAN:SETTLE",
    bidir: "SCAN:BIDIR",
    user: "SCAN:USER",
    comment: "SCAN:COMMENT",
    struck: "SCAN:CHANNELS",
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined) out[k] = { pv: P + pvOf[k], value: v };
  }
  return out as RawScanInputs;
}

function rejects(over: Record<string, unknown>, pv: string, pattern: RegExp) {
  const e = assertThrows(
    () => validateScanConfig(inputs(over), { ...channels, limits }),
  ) as ScanConfigError;
  assert(e instanceof ScanConfigError, "a ScanConfigError");
  assertEquals(e.pv, P + pv);
  assertMatch(e.message, pattern);
}

Deno.test("config: a good step request", () => {
  const c = validateScanConfig(inputs(), { ...channels, limits });
  assertEquals(c.mode, "step");
  assertEquals([c.startPos, c.endPos, c.nSteps, c.nScans], [-2, 2, 21, 3]);
  assertEquals(c.settle, 0.1);
  assertEquals(c.bidir, false);
  assertEquals(c.user, "ada");
  assertEquals(c.struckChannels, ["PDB", "PDT"]);
  assertEquals(scanArgsOf(c).n_steps, 21);
});

Deno.test("config: user-typed strings and enums by label", () => {
  const c = validateScanConfig(
    inputs({
      mode: "fly",
      startPos: " -2.5 ",
      endPos: "2.5 mm",
      speed: "2",
      nScans: "2",
      settle: "0",
      bidir: "Yes",
      user: new TextEncoder().encode("bob\0junk"),
    }),
    { ...channels, limits },
  );
  assertEquals(c.mode, "fly");
  assertEquals([c.startPos, c.endPos, c.speed, c.nScans], [-2.5, 2.5, 2, 2]);
  assertEquals(c.bidir, true);
  assertEquals(c.user, "bob");
  const d = validateScanConfig(
    inputs({ mode: "1", bidir: "on" }),
    { ...channels, limits },
  );
  assertEquals([d.mode, d.bidir], ["fly", true]);
  const e = validateScanConfig(
    inputs({ mode: [0], nSteps: Float64Array.of(5) }),
    {
      ...channels,
      limits,
    },
  );
  assertEquals([e.mode, e.nSteps], ["step", 5]);
});

Deno.test("config: every bad input names its PV and the allowed range", () => {
  rejects(
    { startPos: NaN },
    "SCAN:START_POS",
    /expected a number from -20 to 20 mm, got NaN/,
  );
  rejects({ startPos: "abc" }, "SCAN:START_POS", /got 'abc'/);
  rejects({ endPos: -2 }, "SCAN:END_POS", /different from the start position/);
  rejects({ nSteps: 1 }, "SCAN:NSTEPS", /whole number from 2 to 10000, got 1/);
  rejects({ nSteps: MAX_STEPS + 1 }, "SCAN:NSTEPS", /from 2 to 10000/);
  rejects({ nSteps: "10.5" }, "SCAN:NSTEPS", /whole number/);
  rejects(
    { endPos: 25 },
    "SCAN:END_POS",
    /from -20 to 20 mm, got 25.*MTR\.LLM.*MTR\.HLM/,
  );
  rejects(
    { mode: 1, speed: 11 },
    "SCAN:SPEED",
    /at most 10 mm\/s \(FWS01:MTR\.VMAX\), got 11/,
  );
  rejects({ mode: 1, speed: 0 }, "SCAN:SPEED", /above 0/);
  rejects({ settle: -1 }, "SCAN:SETTLE", /from 0 to 3600 s, got -1/);
  rejects({ nScans: 0 }, "SCAN:NSCANS", /from 1 to 100, got 0/);
  rejects({ nScans: 101 }, "SCAN:NSCANS", /from 1 to 100/);
  rejects({ mode: 5 }, "SCAN:MODE", /one of STEP, FLY/);
  rejects({ mode: "sideways" }, "SCAN:MODE", /got 'sideways'/);
  rejects({ bidir: "maybe" }, "SCAN:BIDIR", /one of No, Yes/);
  rejects(
    { struck: "PDB XYZ" },
    "SCAN:CHANNELS",
    /unknown channel 'XYZ'; expected some of PDB, PDT/,
  );
});

Deno.test("config: several problems are all reported", () => {
  const e = assertThrows(() =>
    validateScanConfig(inputs({ nSteps: 0, nScans: 0 }), {
      ...channels,
      limits,
    })
  ) as ScanConfigError;
  assertEquals(e.problems.length, 2);
});

Deno.test("config: limits HLM = LLM = 0 mean no soft limits; unmapped optional PVs get defaults", () => {
  const c = validateScanConfig(
    {
      startPos: { pv: "S", value: 100 },
      endPos: { pv: "E", value: 200 },
      nSteps: { pv: "N", value: 2 },
    },
    {
      ...channels,
      limits: { hlm: { value: 0, pv: "H" }, llm: { value: 0, pv: "L" } },
    },
  );
  assertEquals([c.nScans, c.settle, c.bidir, c.mode], [1, 0, false, "step"]);
  assertThrows(
    () => validateScanConfig({ startPos: { pv: "S", value: 1 } }, channels),
    /scan\.endPos: required but not mapped/,
  );
});
