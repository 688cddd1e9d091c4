/**
 * Multi-wire forks against the simulated truth: the wire table's checks,
 * the split of a stroke into wires (given and automatic windows), the
 * wire-size correction, and σ_x, σ_y, tilt recovered with honest errors
 * over many seeds.
 */
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "../support/assert.ts";
import { autoWindows } from "../../lib/analysis/wires.ts";
import {
  checkWires,
  DEFAULT_WIRES,
  type WireSpec,
} from "../../lib/pvmap/wires.ts";
import { fitWires, wireSizeCorrection } from "../../lib/analysis/wire_fit.ts";
import {
  beamShape,
  lagOverSpeeds,
  strokeCheck,
} from "../../lib/analysis/beam_shape.ts";
import {
  beamCovariance,
  type BeamEllipse,
  forkSignal,
  planeSigma,
  simFork,
  type SimWire,
} from "../../lib/sim/fork.ts";
import { SeededRandom } from "../../lib/sim/beam.ts";

const ELLIPSE: BeamEllipse = {
  sigmaA: 1.2,
  sigmaB: 0.7,
  tilt: 20,
  centerX: 0.3,
  centerY: -0.2,
};
const CHANNEL = {
  center: 0,
  sigma: 1,
  amplitude: 1,
  background: 0.05,
  noise: 0.01,
};

/** One fly-like stroke of a fork over [−30, 30] mm. */
function stroke(
  wires: readonly SimWire[],
  options: {
    seed: number;
    n?: number;
    ellipse?: BeamEllipse;
    noise?: number;
    from?: number;
    to?: number;
  },
): { x: Float64Array; y: Float64Array; points: string } {
  const n = options.n ?? 3000;
  const from = options.from ?? -30, to = options.to ?? 30;
  const x = Float64Array.from(
    { length: n },
    (_, i) => from + (to - from) * i / (n - 1),
  );
  const y = forkSignal(x, {
    wires,
    ellipse: options.ellipse ?? ELLIPSE,
    beam: { ...CHANNEL, noise: options.noise ?? CHANNEL.noise },
    beamOn: true,
    random: new SeededRandom(options.seed),
  });
  return { x, y, points: "one sample per point" };
}

/** The analysis table matching a simulated fork, windows around each wire. */
function table(
  wires: readonly SimWire[],
  window: "given" | "auto",
): WireSpec[] {
  return checkWires(wires.map((w) => ({
    name: w.name,
    angle: w.angle,
    offset: w.offset,
    scale: w.scale,
    diameter: w.diameter,
    window: window === "auto" ? "auto" : [w.offset - 7, w.offset + 7],
  })));
}

Deno.test("wires: a malformed table is rejected naming the key and what is expected", () => {
  const cases: [unknown, RegExp][] = [
    [{}, /'wires' must be a non-empty list/],
    [[], /'wires' must be a non-empty list/],
    [[{ name: "X", color: 1 }], /wires\[0\]\.color: unknown key/],
    [[{ name: "x y" }], /wires\[0\]\.name: expected a wire name/],
    [[{ name: "X", angle: "45" }], /wires\[0\]\.angle: expected an angle/],
    [
      [{ name: "X", scale: 0 }],
      /wires\[0\]\.scale: expected a non-zero number/,
    ],
    [
      [{ name: "X", diameter: -1 }],
      /wires\[0\]\.diameter: expected a wire diameter/,
    ],
    [
      [{ name: "X", window: [3, 1] }],
      /wires\[0\]\.window: \[3,1\] is empty or reversed/,
    ],
    [
      [{ name: "X", window: "left" }],
      /wires\[0\]\.window: expected \[low, high\]/,
    ],
    [
      [{ name: "X", window: [0, 2] }, { name: "X", window: [3, 4] }],
      /wires\[1\]\.name 'X' is repeated/,
    ],
    [
      [{ name: "X", window: [0, 2] }, { name: "Y", window: [1, 4] }],
      /wires\[1\]\.window \[1,4\] overlaps wires\[0\]\.window \[0,2\]/,
    ],
    [
      [{ name: "X", window: [0, 2] }, { name: "Y", window: "auto" }],
      /mix "auto" and given windows/,
    ],
    [
      [{ name: "X" }, { name: "Y", window: [1, 4] }],
      /wires\[0\]\.window 'all' is for a single wire/,
    ],
  ];
  for (const [raw, pattern] of cases) {
    assertThrows(() => checkWires(raw, "map.json"), pattern);
  }
  const [w] = checkWires([{ name: "X" }]);
  assertEquals(w, DEFAULT_WIRES[0]);
});

Deno.test("wires: the default single wire fits the whole stroke like the one-Gaussian fit", () => {
  const x = Float64Array.from({ length: 400 }, (_, i) => -10 + i * 0.05);
  const y = x.map((v) => Math.exp(-0.5 * ((v - 0.4) / 1.1) ** 2) + 0.1);
  const [fit] = fitWires({ x, y, points: "p" }, DEFAULT_WIRES);
  assertEquals([fit.wire, fit.fit.ok, fit.fit.nPoints], ["X", true, 400]);
  assertAlmostEquals(fit.fit.center, 0.4, 1e-9);
  assertEquals(fit.sigmaBeam, fit.fit.sigma);
});

Deno.test("wires: the automatic split cuts between the peaks and agrees with given windows", () => {
  const wires = simFork("xuy");
  const data = stroke(wires, { seed: 7 });
  const windows = autoWindows(data, 3);
  assertEquals(windows.length, 3);
  // cuts fall between neighbouring wires, well away from each peak
  for (let k = 1; k < 3; k++) {
    const cutAt = windows[k][0];
    assert(
      cutAt > wires[k - 1].offset + 3 && cutAt < wires[k].offset - 3,
      `cut ${cutAt}`,
    );
    assertEquals(windows[k - 1][1], cutAt);
  }
  const auto = fitWires(data, table(wires, "auto"));
  const given = fitWires(data, table(wires, "given"));
  for (let k = 0; k < 3; k++) {
    assert(
      auto[k].fit.ok && given[k].fit.ok,
      `${auto[k].fit.message} / ${given[k].fit.message}`,
    );
    assertAlmostEquals(
      auto[k].fit.center,
      given[k].fit.center,
      3 * given[k].fit.centerErr,
    );
    assertAlmostEquals(
      auto[k].sigmaBeam,
      given[k].sigmaBeam,
      3 * given[k].sigmaBeamErr,
    );
  }
});

Deno.test("wires: a window without its peak fails that wire only; an empty window says so", () => {
  const wires = simFork("xuy");
  const data = stroke(wires.slice(0, 2), { seed: 3 }); // the Y wire is absent
  const fits = fitWires(data, table(wires, "given"));
  assertEquals(fits.map((f) => f.fit.ok), [true, true, false]);
  assert(Number.isNaN(fits[2].sigmaBeam));
  const off = checkWires([
    { name: "X", window: [-40, -35] },
    { name: "Y", window: [-5, 5] },
  ]);
  const [empty] = fitWires(data, off);
  assertEquals(empty.fit.ok, false);
  assert(
    /no points of the stroke in wire X's window \[-40, -35\]/.test(
      empty.fit.message,
    ),
    empty.fit.message,
  );
  const auto = fitWires(data, table(wires, "auto"));
  assertEquals(auto[2].fit.ok, false);
  assert(
    /no peak left for wire Y: the automatic split found 2 peak\(s\) for 3 wires/
      .test(auto[2].fit.message),
    auto[2].fit.message,
  );
});

Deno.test("wires: the size correction recovers the simulated beam for wires of 5–100 µm", () => {
  const sigma = 0.15;
  for (const diameter of [0.005, 0.02, 0.05, 0.1]) {
    const wire: SimWire = {
      name: "X",
      angle: 0,
      offset: 0,
      scale: 1,
      diameter,
    };
    const data = stroke([wire], {
      seed: 11,
      n: 4000,
      from: -1.5,
      to: 1.5,
      noise: 0.0005,
      ellipse: {
        sigmaA: sigma,
        sigmaB: sigma,
        tilt: 0,
        centerX: 0,
        centerY: 0,
      },
    });
    const [fit] = fitWires(data, checkWires([{ name: "X", diameter }]));
    assert(fit.fit.ok, fit.fit.message);
    const pull = (fit.sigmaBeam - sigma) / fit.sigmaBeamErr;
    assert(
      Math.abs(pull) < 3,
      `d=${diameter}: σ_beam ${fit.sigmaBeam} ± ${fit.sigmaBeamErr}`,
    );
    if (diameter === 0.1) {
      // uncorrected, the fit is off by far more than its error
      assert(
        (fit.fit.sigma - sigma) / fit.fit.sigmaErr > 10,
        `σ_fit ${fit.fit.sigma}`,
      );
    }
  }
  const thin = wireSizeCorrection(0.02, 0.001, 0.1);
  assert(
    Number.isNaN(thin.sigma) &&
      /not wider than the wire's own RMS/.test(thin.problem!),
  );
});

Deno.test("beam shape: σ_x, σ_y and tilt of a tilted beam are recovered within 2σ in about 95 % of 50 seeds", () => {
  const wires = simFork("xuy", { diameter: 0.03 });
  const cov = beamCovariance(ELLIPSE);
  const truth = {
    sigmaX: Math.sqrt(cov.xx),
    sigmaY: Math.sqrt(cov.yy),
    tilt: ELLIPSE.tilt,
  };
  const keys = ["sigmaX", "sigmaY", "tilt"] as const;
  const within = { sigmaX: 0, sigmaY: 0, tilt: 0 };
  const pulls = { sigmaX: 0, sigmaY: 0, tilt: 0 };
  const seeds = 50;
  for (let seed = 1; seed <= seeds; seed++) {
    const fits = fitWires(stroke(wires, { seed }), table(wires, "given"));
    const shape = beamShape(
      fits.map((f) => ({
        angle: f.angle,
        sigma: f.sigmaBeam,
        sigmaErr: f.sigmaBeamErr,
      })),
    );
    assert(shape.ok, shape.message);
    for (const k of keys) {
      const pull = (shape[k] - truth[k]) / shape[`${k}Err`];
      if (Math.abs(pull) <= 2) within[k]++;
      pulls[k] += pull / seeds;
    }
  }
  for (const k of keys) {
    // 95 % expected; 40 of 50 is 3.2 binomial standard deviations below
    assert(within[k] >= 40, `${k}: ${within[k]}/${seeds} within 2σ`);
    assert(Math.abs(pulls[k]) < 0.5, `${k}: mean pull ${pulls[k]} (bias)`);
  }
  assertAlmostEquals(planeSigma(cov, 0), truth.sigmaX, 1e-12);
});

Deno.test("beam shape: exact for three planes, least squares for more, refused without a third angle", () => {
  const cov = beamCovariance(ELLIPSE);
  const plane = (angle: number) => ({
    angle,
    sigma: planeSigma(cov, angle),
    sigmaErr: 0.001,
  });
  const three = beamShape([plane(0), plane(90), plane(45)]);
  assertAlmostEquals(three.sigmaXY, cov.xy, 1e-12);
  assertAlmostEquals(three.tilt, ELLIPSE.tilt, 1e-9);
  assertAlmostEquals(
    three.correlation,
    cov.xy / Math.sqrt(cov.xx * cov.yy),
    1e-12,
  );
  assertAlmostEquals(three.chi2, 0, 1e-12);
  const four = beamShape([plane(0), plane(90), plane(45), plane(-45)]);
  assertAlmostEquals(four.tilt, ELLIPSE.tilt, 1e-9);
  assert(four.tiltErr < three.tiltErr, "a fourth plane narrows the error");
  const two = beamShape([plane(0), plane(90), plane(180)]);
  assertEquals(two.ok, false);
  assert(/3 or more distinct angles/.test(two.message), two.message);
});

Deno.test("stroke check: a readout lag shows as a centre shift between directions and is flagged with its lag", () => {
  const lag = 0.004, speed = 5;
  const make = (shift: number) =>
    Array.from({ length: 4 }, (_, i) => ({
      center: 0.3 + shift + (i - 1.5) * 0.001,
      centerErr: 0.002,
      sigma: 1.0,
      sigmaErr: 0.003,
    }));
  const [d] = strokeCheck([
    { wire: "X", forward: make(-speed * lag), backward: make(speed * lag) },
  ], speed);
  assert(d.flagged, d.message);
  assertAlmostEquals(d.impliedLag, lag, 1e-9);
  assert(
    /likely position-readout lag of 4\.00 ms at 5 mm\/s/.test(d.message),
    d.message,
  );
  const [same] = strokeCheck([{
    wire: "Y",
    forward: make(0),
    backward: make(0),
  }], speed);
  assertEquals(same.flagged, false);
});

Deno.test("wires: a stroke out of stage order is cut into the same regions as the sorted one", () => {
  const wires = simFork("xuy");
  const data = stroke(wires, { seed: 5, n: 1200 });
  const order = Array.from(data.x.keys()).sort((a, b) =>
    Math.sin(a * 12.9898) - Math.sin(b * 12.9898)
  );
  const shuffled = {
    x: Float64Array.from(order, (i) => data.x[i]),
    y: Float64Array.from(order, (i) => data.y[i]),
    points: data.points,
  };
  for (const mode of ["given", "auto"] as const) {
    const a = fitWires(data, table(wires, mode));
    const b = fitWires(shuffled, table(wires, mode));
    for (let k = 0; k < 3; k++) {
      assertEquals(b[k].fit.nPoints, a[k].fit.nPoints);
      assertEquals(b[k].window, a[k].window);
      assertAlmostEquals(b[k].fit.center, a[k].fit.center, 1e-9);
      assertAlmostEquals(b[k].sigmaBeam, a[k].sigmaBeam, 1e-9);
    }
  }
});

Deno.test("stroke check: a shift growing with speed is a readout lag, a constant one a static offset", () => {
  const lag = 0.003, offset = 0.02;
  const at = (speed: number, extra = 0) => ({
    speed,
    shift: offset + 2 * lag * speed + extra,
    shiftErr: 0.002,
  });
  const two = lagOverSpeeds([at(10, 0.001), at(20, -0.001), at(40)]);
  assert(two.growsWithSpeed, two.message);
  assertEquals(two.speeds, 3);
  assert(
    Math.abs(two.lag - lag) < 3 * two.lagErr,
    `${two.lag} ± ${two.lagErr}`,
  );
  assert(Math.abs(two.offset - offset) < 3 * two.offsetErr, `${two.offset}`);
  assert(
    /likely position-readout lag of 2\.99 ± 0\.046\d ms /.test(two.message),
    two.message,
  );
  const flat = lagOverSpeeds([
    { speed: 10, shift: offset, shiftErr: 0.002 },
    { speed: 40, shift: offset + 0.001, shiftErr: 0.002 },
  ]);
  assertEquals(flat.growsWithSpeed, false);
  assert(/does not grow with speed/.test(flat.message), flat.message);
  const one = lagOverSpeeds([at(20), at(20)]);
  assertEquals([one.speeds, one.growsWithSpeed], [1, false]);
  assertAlmostEquals(one.lag, (offset + 2 * lag * 20) / 40, 1e-12);
  assert(/repeat at another speed/.test(one.message), one.message);
  const none = lagOverSpeeds([{ speed: NaN, shift: 0.1, shiftErr: 0.01 }]);
  assertEquals([none.speeds, Number.isNaN(none.lag)], [0, true]);
});
