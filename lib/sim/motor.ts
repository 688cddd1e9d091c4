/**
 * A motor-record emulation for the simulated scanner: the wire moves at
 * VELO (trapezoid-free, constant speed) from where it is to VAL, RBV is
 * published on every tick (default 25 Hz) and at the end of a move, DMOV
 * drops while moving, STOP halts the wire where it is, soft limits reject an
 * out-of-range target, VELO is clamped to VMAX. The trajectory is kept as
 * segments so a fly acquisition can sample the exact position at any time.
 *
 * @module
 */

/** What changed, for the PV layer to publish. */
export interface MotorChange {
  rbv?: number;
  dmov?: number;
  val?: number;
  velo?: number;
}

/** One straight piece of the trajectory (a rest is a segment with p0 = p1). */
export interface MotionSegment {
  /** Start and end times [s, on the motor's clock]. */
  t0: number;
  t1: number;
  /** Start and end positions [mm]. */
  p0: number;
  p1: number;
}

/** Options of {@link SimMotor}. */
export interface SimMotorOptions {
  /** Initial position [mm]; default 0. */
  position?: number;
  /** VELO [mm/s]; default 5. */
  velocity?: number;
  /** VMAX [mm/s]; default 20 (0 = no maximum). */
  vmax?: number;
  /** HLM [mm]; default 50. */
  hlm?: number;
  /** LLM [mm]; default −50. */
  llm?: number;
  /** RBV updates per second while moving; default 25. */
  tickHz?: number;
  /** Zero-latency mode: every move completes at once. */
  instant?: boolean;
  /** Clock in seconds; default `performance.now() / 1000`. */
  now?: () => number;
  /** Called with what changed (RBV ticks, DMOV edges, VAL after STOP). */
  onChange?: (change: MotorChange) => void;
}

/** A simulated motor; see the module doc. */
export class SimMotor {
  hlm: number;
  llm: number;
  readonly instant: boolean;
  readonly #now: () => number;
  readonly #tickMs: number;
  readonly #onChange: (change: MotorChange) => void;
  #velocity: number;
  #vmax: number;
  #rest: number;
  #motion?: MotionSegment;
  #tick?: ReturnType<typeof setInterval>;
  #end?: ReturnType<typeof setTimeout>;
  #waiters: (() => void)[] = [];
  #history: MotionSegment[] = [];
  #listeners = new Set<(moving: boolean) => void>();

  /** @param options initial state, speed, limits, clock, change callback */
  constructor(options: SimMotorOptions = {}) {
    this.#rest = options.position ?? 0;
    this.#vmax = options.vmax ?? 20;
    this.#velocity = 0;
    this.velocity = options.velocity ?? 5;
    this.hlm = options.hlm ?? 50;
    this.llm = options.llm ?? -50;
    this.instant = options.instant ?? false;
    this.#now = options.now ?? (() => performance.now() / 1000);
    this.#tickMs = 1000 / (options.tickHz ?? 25);
    this.#onChange = options.onChange ?? (() => {});
  }

  /** The clock the motor runs on [s]. */
  now(): number {
    return this.#now();
  }

  /** VELO [mm/s]; setting it clamps to VMAX and rejects ≤ 0. */
  get velocity(): number {
    return this.#velocity;
  }

  set velocity(v: number) {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`VELO: expected a speed > 0 mm/s, got ${v}`);
    }
    this.#velocity = this.#vmax > 0 ? Math.min(v, this.#vmax) : v;
  }

  /** VMAX [mm/s]; 0 means no maximum. Lowering it clamps VELO. */
  get vmax(): number {
    return this.#vmax;
  }

  set vmax(v: number) {
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`VMAX: expected a speed ≥ 0 mm/s, got ${v}`);
    }
    this.#vmax = v;
    if (v > 0 && this.#velocity > v) {
      this.#velocity = v;
      this.#onChange({ velo: v });
    }
  }

  /** Whether the wire is moving. */
  get moving(): boolean {
    return this.#motion !== undefined;
  }

  /** The position now [mm]. */
  get position(): number {
    return this.positionAt(this.#now());
  }

  /** The position at time `t` of the current motion or at rest [mm]. */
  positionAt(t: number): number {
    const m = this.#motion;
    if (!m) return this.#rest;
    return interpolate(m, t);
  }

  /**
   * The past and current trajectory from `t0` on, for a fly acquisition
   * (segments ordered in time; the current motion ends at its planned end).
   */
  segmentsSince(t0: number): MotionSegment[] {
    const all = this.#motion ? [...this.#history, this.#motion] : this.#history;
    return all.filter((s) => s.t1 >= t0);
  }

  /** Calls `listener(moving)` when a motion starts or ends; returns an unsubscribe. */
  onMotion(listener: (moving: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Moves to `target`; resolves when the motion is over (reached or
   * stopped). A target outside [LLM, HLM] is rejected before anything moves.
   */
  moveTo(target: number): Promise<void> {
    if (!Number.isFinite(target)) {
      throw new RangeError(`VAL: expected a finite position, got ${target}`);
    }
    if (target > this.hlm || target < this.llm) {
      throw new RangeError(
        `VAL: ${target} mm is outside the soft limits; expected ${this.llm} to ${this.hlm} mm`,
      );
    }
    const now = this.#now();
    const from = this.positionAt(now);
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    const wasMoving = this.moving;
    this.#cancelTimers();
    if (wasMoving) this.#archive({ ...this.#motion!, t1: now, p1: from });
    this.#onChange({ val: target });
    const duration = this.instant
      ? 0
      : Math.abs(target - from) / this.#velocity;
    if (duration === 0) {
      this.#motion = undefined;
      this.#rest = target;
      this.#archive({ t0: now, t1: now, p0: from, p1: target });
      if (!wasMoving) {
        this.#onChange({ dmov: 0 });
        this.#emitMotion(true);
      }
      this.#onChange({ rbv: target, dmov: 1 });
      this.#emitMotion(false);
      this.#resolveWaiters();
      return done;
    }
    this.#motion = { t0: now, t1: now + duration, p0: from, p1: target };
    if (!wasMoving) {
      this.#onChange({ dmov: 0 });
      this.#emitMotion(true);
    }
    this.#tick = setInterval(() => {
      this.#onChange({ rbv: this.position });
    }, this.#tickMs);
    this.#end = setTimeout(() => this.#finish(), duration * 1000);
    return done;
  }

  /** STOP: halts the wire where it is; VAL becomes the stop position. */
  stop(): void {
    if (!this.#motion) return;
    const now = this.#now();
    const here = this.positionAt(now);
    this.#cancelTimers();
    this.#archive({ ...this.#motion, t1: now, p1: here });
    this.#motion = undefined;
    this.#rest = here;
    this.#onChange({ val: here, rbv: here, dmov: 1 });
    this.#emitMotion(false);
    this.#resolveWaiters();
  }

  /** Stops every timer and releases every waiter (the simulator closes). */
  close(): void {
    if (this.#motion) this.#rest = this.position;
    this.#cancelTimers();
    this.#motion = undefined;
    this.#resolveWaiters();
    this.#listeners.clear();
  }

  #finish(): void {
    const m = this.#motion;
    if (!m) return;
    this.#cancelTimers();
    this.#archive(m);
    this.#motion = undefined;
    this.#rest = m.p1;
    this.#onChange({ rbv: m.p1, dmov: 1 });
    this.#emitMotion(false);
    this.#resolveWaiters();
  }

  #archive(segment: MotionSegment): void {
    this.#history.push(segment);
    if (this.#history.length > 64) this.#history.shift();
  }

  #emitMotion(moving: boolean): void {
    for (const l of [...this.#listeners]) l(moving);
  }

  #resolveWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #cancelTimers(): void {
    if (this.#tick !== undefined) clearInterval(this.#tick);
    if (this.#end !== undefined) clearTimeout(this.#end);
    this.#tick = undefined;
    this.#end = undefined;
  }
}

/** The position on a segment at time `t` (clamped to its ends). */
export function interpolate(s: MotionSegment, t: number): number {
  if (t <= s.t0 || s.t1 <= s.t0) return t <= s.t0 ? s.p0 : s.p1;
  if (t >= s.t1) return s.p1;
  return s.p0 + (s.p1 - s.p0) * ((t - s.t0) / (s.t1 - s.t0));
}

/**
 * `n` positions sampled evenly in time from `t0` to `t1` (both included)
 * along a trajectory given as time-ordered segments; between segments the
 * wire rests where the last one ended, before the first where it starts.
 */
export function sampleTrajectory(
  segments: MotionSegment[],
  options: { t0: number; t1: number; n: number; restPosition: number },
): Float64Array {
  const { t0, t1, n } = options;
  const period = n > 1 ? (t1 - t0) / (n - 1) : 0;
  const out = new Float64Array(n);
  let k = 0;
  let rest = segments.length > 0 && segments[0].t0 > t0
    ? segments[0].p0
    : options.restPosition;
  for (let i = 0; i < n; i++) {
    const t = i === n - 1 ? t1 : t0 + i * period;
    while (k < segments.length && segments[k].t1 < t) {
      rest = segments[k].p1;
      k++;
    }
    const s = segments[k];
    out[i] = s && t >= s.t0 ? interpolate(s, t) : rest;
  }
  return out;
}
