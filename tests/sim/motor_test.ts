import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "../support/assert.ts";
import { type MotorChange, SimMotor } from "../../lib/sim/motor.ts";

function recorder(): {
  changes: MotorChange[];
  onChange: (c: MotorChange) => void;
} {
  const changes: MotorChange[] = [];
  return { changes, onChange: (c) => changes.push(c) };
}

Deno.test("SimMotor: moves at VELO, ticks RBV, drops and raises DMOV", async () => {
  const { changes, onChange } = recorder();
  const m = new SimMotor({ velocity: 20, vmax: 0, tickHz: 50, onChange });
  const t0 = performance.now();
  const done = m.moveTo(4); // 0.2 s at 20 mm/s
  assert(m.moving);
  await done;
  const elapsed = (performance.now() - t0) / 1000;
  assert(elapsed >= 0.19 && elapsed < 0.5, `move took ${elapsed} s`);
  assertEquals(m.position, 4);
  assert(!m.moving);
  const dmov = changes.filter((c) => c.dmov !== undefined).map((c) => c.dmov);
  assertEquals(dmov, [0, 1]);
  const rbvs = changes.filter((c) => c.rbv !== undefined).map((c) => c.rbv!);
  assert(rbvs.length >= 5, `expected ≥ 5 RBV updates, got ${rbvs.length}`);
  for (let i = 1; i < rbvs.length; i++) assert(rbvs[i] >= rbvs[i - 1]);
  assertEquals(rbvs.at(-1), 4);
  assert(rbvs.some((r) => r > 0 && r < 4), "intermediate readbacks");
  m.close();
});

Deno.test("SimMotor: STOP halts where it is and sets VAL there", async () => {
  const { changes, onChange } = recorder();
  const m = new SimMotor({ velocity: 10, onChange });
  const done = m.moveTo(10);
  await new Promise((r) => setTimeout(r, 150));
  m.stop();
  await done;
  const here = m.position;
  assert(here > 0.5 && here < 5, `stopped at ${here}`);
  assertEquals(changes.at(-1)?.val, here);
  assertEquals(changes.at(-1)?.dmov, 1);
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(m.position, here);
  m.close();
});

Deno.test("SimMotor: soft limits reject the target before anything moves", () => {
  const { changes, onChange } = recorder();
  const m = new SimMotor({ hlm: 5, llm: -5, onChange });
  assertThrows(
    () => m.moveTo(6),
    /VAL: 6 mm is outside the soft limits; expected -5 to 5 mm/,
  );
  assertThrows(() => m.moveTo(-5.01), /outside the soft limits/);
  assertThrows(() => m.moveTo(NaN), /finite position/);
  assertEquals(changes, []);
  assert(!m.moving);
  m.close();
});

Deno.test("SimMotor: VELO clamped to VMAX, non-positive rejected", () => {
  const m = new SimMotor({ velocity: 5, vmax: 10 });
  m.velocity = 50;
  assertEquals(m.velocity, 10);
  assertThrows(() => m.velocity = 0, /VELO: expected a speed > 0/);
  m.vmax = 4;
  assertEquals(m.velocity, 4);
  m.close();
});

Deno.test("SimMotor: a new target while moving retargets; both waiters resolve", async () => {
  const m = new SimMotor({ velocity: 40 });
  const first = m.moveTo(4);
  await new Promise((r) => setTimeout(r, 30));
  const second = m.moveTo(-1);
  await Promise.all([first, second]);
  assertEquals(m.position, -1);
  const segs = m.segmentsSince(0);
  assertEquals(segs.length, 2);
  assertEquals(segs[1].p1, -1);
  assertAlmostEquals(segs[0].p1, segs[1].p0, 1e-9);
  m.close();
});

Deno.test("SimMotor: instant mode completes at once with a DMOV pulse", async () => {
  const { changes, onChange } = recorder();
  const m = new SimMotor({ instant: true, onChange });
  const moves: boolean[] = [];
  m.onMotion((moving) => moves.push(moving));
  await m.moveTo(3);
  assertEquals(m.position, 3);
  assertEquals(moves, [true, false]);
  assertEquals(changes, [{ val: 3 }, { dmov: 0 }, { rbv: 3, dmov: 1 }]);
  m.close();
});

Deno.test("SimMotor: close releases a waiter mid-move", async () => {
  const m = new SimMotor({ velocity: 1 });
  const done = m.moveTo(10);
  m.close();
  await done;
  assert(!m.moving);
});
