/**
 * The hardware the runner drives, over Channel Access: the wire motor (a
 * motor record), the Struck acquisition trigger, and the beam-current
 * suspender that pauses a scan while the beam is gone.
 *
 * @module
 */
import type { DaqPvs, MotorPvs } from "../pvmap/mod.ts";
import { type CaPort, type PortSubscription, scalar } from "./ca_port.ts";
import { sleep, StoppedError, stopReasonOf, waitFor } from "./wait.ts";

/** How a move waits for the end of motion. */
export type MoveCompletion = "put" | "dmov";

/** Options of {@link CaMotor}. */
export interface MotorOptions {
  /** Wait with put-completion on VAL (default) or watch DMOV. */
  completion?: MoveCompletion;
  /** Largest |RBV − target| accepted after a move [mm]; default 0.01. */
  tolerance?: number;
  /** Seconds added to the expected travel time for a move's timeout; default 5. */
  timeoutMargin?: number;
}

/** The wire motor, a motor record reached through the PV map. */
export class CaMotor {
  readonly #ca: CaPort;
  readonly #pv: MotorPvs;
  readonly #options: Required<MotorOptions>;
  /** Readback after the last move (saves a read before the next one). */
  #last?: number;

  /**
   * @param ca Channel Access client
   * @param pvs the motor record's PVs, resolved by the PV map
   */
  constructor(ca: CaPort, pvs: MotorPvs, options: MotorOptions = {}) {
    this.#ca = ca;
    this.#pv = pvs;
    this.#options = {
      completion: options.completion ?? "put",
      tolerance: options.tolerance ?? 0.01,
      timeoutMargin: options.timeoutMargin ?? 5,
    };
  }

  /** The motor's name for messages (the VAL PV without the field). */
  get name(): string {
    return this.#pv.val.replace(/\.VAL$/, "");
  }

  /** Reads the readback [mm]. */
  async readback(timeout = 2): Promise<number> {
    return scalar(
      await this.#ca.get(this.#pv.rbv, { timeout }),
    );
  }

  /** Calls `onReadback` with each RBV update [mm]; returns the cancel. */
  watchReadback(onReadback: (mm: number) => void): () => void {
    const sub = this.#ca.monitor(this.#pv.rbv, (v) => onReadback(scalar(v)));
    return () => sub.cancel();
  }

  /** Reads VELO [mm/s], or NaN when unmapped. */
  async speed(timeout = 2): Promise<number> {
    const pv = this.#pv.velo;
    return pv ? scalar(await this.#ca.get(pv, { timeout })) : NaN;
  }

  /** Writes VELO [mm/s] (no-op when unmapped). */
  async setSpeed(speed: number, timeout = 2): Promise<void> {
    const pv = this.#pv.velo;
    if (pv && Number.isFinite(speed) && speed > 0) {
      await this.#ca.put(pv, speed, { wait: true, timeout });
    }
  }

  /**
   * Moves to `target` and waits for the end of motion, then checks the
   * readback against the tolerance. Resolves the readback.
   */
  async move(
    target: number,
    options: { signal?: AbortSignal; speed?: number } = {},
  ): Promise<number> {
    const { signal } = options;
    const val = this.#pv.val;
    const start = this.#last ?? await waitFor(this.readback(), {
      what: `readback of ${this.name}`,
      timeout: 3,
      signal,
    });
    this.#last = undefined;
    const velo = options.speed ??
      await waitFor(this.speed(), {
        what: `speed of ${this.name}`,
        timeout: 3,
        signal,
      });
    const travel = Number.isFinite(velo) && velo > 0
      ? Math.abs(target - start) / velo
      : 60;
    const timeout = travel * 2 + this.#options.timeoutMargin;
    const what = `${this.name} to reach ${target} mm`;
    const dmovPv = this.#pv.dmov;
    if (this.#options.completion === "dmov" && dmovPv) {
      await waitFor(this.#moveDmov(val, dmovPv, target), {
        what,
        timeout,
        signal,
      });
    } else {
      await waitFor(this.#ca.put(val, target, { wait: true, timeout }), {
        what,
        timeout: timeout + 1,
        signal,
      });
    }
    const rbv = await waitFor(this.readback(), {
      what: `readback of ${this.name}`,
      timeout: 3,
      signal,
    });
    if (!(Math.abs(rbv - target) <= this.#options.tolerance)) {
      throw new Error(
        `${this.name} readback ${rbv} mm is ${
          Math.abs(rbv - target).toPrecision(3)
        } mm from the target ${target} mm; expected within ${this.#options.tolerance} mm`,
      );
    }
    this.#last = rbv;
    return rbv;
  }

  #moveDmov(val: string, dmovPv: string, target: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let sawMoving = false;
      const held: { sub?: PortSubscription } = {};
      const tol = this.#options.tolerance;
      const done = () => {
        held.sub?.cancel();
        resolve();
      };
      held.sub = this.#ca.monitor(dmovPv, (v) => {
        if (scalar(v) === 0) sawMoving = true;
        else if (sawMoving) done();
      });
      this.#ca.put(val, target, { wait: false }).then(async () => {
        // A zero-length move never drops DMOV: accept readback at target.
        await new Promise((r) => setTimeout(r, 50));
        if (!sawMoving) {
          const [rbv, dmov] = await Promise.all([
            this.readback(),
            this.#ca.get(dmovPv).then(scalar),
          ]);
          if (!sawMoving && dmov === 1 && Math.abs(rbv - target) <= tol) {
            done();
          }
        }
      }).catch((e) => {
        held.sub?.cancel();
        reject(e);
      });
    });
  }

  /** Stops the motor (MTR.STOP = 1), best effort within `timeout` seconds. */
  async stop(timeout = 1): Promise<void> {
    const pv = this.#pv.stop;
    if (pv) await this.#ca.put(pv, 1, { wait: false, timeout });
  }
}

/** The Struck trigger: `DAQ:ACQUIRE` put with completion. */
export class CaDaq {
  readonly #ca: CaPort;
  readonly #pv: string | null;

  /**
   * @param ca Channel Access client
   * @param pvs the acquisition PVs, resolved by the PV map
   */
  constructor(ca: CaPort, pvs: Pick<DaqPvs, "acquire">) {
    this.#ca = ca;
    this.#pv = pvs.acquire;
  }

  /** Triggers one acquisition and waits for its completion. */
  async acquire(
    options: { timeout: number; signal?: AbortSignal },
  ): Promise<void> {
    if (!this.#pv) return;
    await waitFor(
      this.#ca.put(this.#pv, 1, { wait: true, timeout: options.timeout }),
      {
        what: `acquisition ${this.#pv}`,
        timeout: options.timeout + 0.5,
        signal: options.signal,
      },
    );
  }
}

/** Options of {@link BeamSuspender}. */
export interface SuspenderOptions {
  /** Beam current [mA] below which the scan pauses; default 0.1. */
  threshold?: number;
  /** Seconds to wait after the beam returns before resuming; default 1. */
  resumeDelay?: number;
  /** Longest pause before the request fails [s]; default 600. */
  maxPause?: number;
}

/**
 * Pauses the scan while `BEAM:CURRENT` is below a threshold, like Bluesky's
 * `SuspendFloor`: the step that saw the loss is repeated once the beam is
 * back and has stayed for `resumeDelay` seconds.
 */
export class BeamSuspender {
  readonly threshold: number;
  readonly resumeDelay: number;
  readonly maxPause: number;
  #current = NaN;
  #losses = 0;
  #sub?: PortSubscription;
  #waiters = new Set<() => void>();

  /**
   * @param ca Channel Access client
   * @param pv the beam-current PV, or null when the facility has none
   */
  constructor(ca: CaPort, pv: string | null, options: SuspenderOptions = {}) {
    this.threshold = options.threshold ?? 0.1;
    this.resumeDelay = options.resumeDelay ?? 1;
    this.maxPause = options.maxPause ?? 600;
    if (pv) {
      this.#sub = ca.monitor(pv, (v) => {
        const wasOk = this.ok;
        this.#current = scalar(v);
        if (wasOk && !this.ok) this.#losses++;
        if (this.ok) { for (const w of this.#waiters) w(); }
      });
    }
  }

  /** Latest beam current [mA] (NaN before the first update). */
  get current(): number {
    return this.#current;
  }

  /** Whether the beam is present (true when unknown). */
  get ok(): boolean {
    return !(this.#current < this.threshold);
  }

  /** How many times the beam has been lost so far. */
  get losses(): number {
    return this.#losses;
  }

  /**
   * Resolves at once when the beam is present; otherwise calls `onPause`,
   * waits for the beam and the resume delay, and calls `onResume`.
   */
  async waitForBeam(options: {
    signal?: AbortSignal;
    onPause?: (current: number) => void | Promise<void>;
    onResume?: () => void | Promise<void>;
  }): Promise<void> {
    const { signal } = options;
    while (!this.ok) {
      await options.onPause?.(this.#current);
      let wake!: () => void;
      const back = new Promise<void>((r) => wake = r);
      this.#waiters.add(wake);
      try {
        await waitFor(back, {
          what: `beam current to return above ${this.threshold} mA`,
          timeout: this.maxPause,
          signal,
        });
      } finally {
        this.#waiters.delete(wake);
      }
      await sleep(this.resumeDelay, signal);
      if (this.ok) await options.onResume?.();
    }
    if (signal?.aborted) throw new StoppedError(stopReasonOf(signal));
  }

  /** Stops monitoring. */
  close(): void {
    this.#sub?.cancel();
    for (const w of this.#waiters) w();
  }
}
