/**
 * `FWSScanRunner` with fake devices, no sockets and no sleeps: the fakes
 * resolve at once or when the test tells them to. Step, fly, pause (beam
 * loss), abort and fault logic, and the states an operator would see when
 * the stream drives the request state table.
 */
import { configure, type LogRecord, reset } from "@logtape/logtape";
import {
  type RawScanInputs,
  type ScanConfig,
  validateScanConfig,
} from "../../lib/scan/config.ts";
import type { DataReading } from "../../lib/scan/collector.ts";
import type { RunnerEvent } from "../../lib/scan/events.ts";
import { type ScanPlan, ScanPlanner } from "../../lib/scan/planner.ts";
import {
  FWSScanRunner,
  type RunnerDevices,
  type RunnerMotor,
  type RunOutcome,
} from "../../lib/scan/runner.ts";
import {
  StoppedError,
  type StopReason,
  stopReasonOf,
} from "../../lib/scan/wait.ts";
import type { ScanState } from "../../lib/pvmap/mod.ts";
import {
  RequestStateMachine,
  type RequestTrigger,
  triggerOf,
} from "../../lib/daemon/request_state.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

/** A promise the test settles. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

/** Rejects with the stop reason when `signal` aborts (as the CA waits do). */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StoppedError(stopReasonOf(signal)));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject);
  });
}

class FakeMotor implements RunnerMotor {
  readonly name = "FAKE:MTR";
  position = 0;
  velocity = 2;
  readonly moves: { target: number; speed?: number }[] = [];
  readonly speeds: number[] = [];
  stops = 0;
  stopError?: Error;
  /** When set, a move waits for it (or the abort). */
  hold?: Promise<void>;
  /** Called as each move starts. */
  onMove?: (target: number) => void;

  async move(
    target: number,
    options: { signal?: AbortSignal; speed?: number } = {},
  ): Promise<number> {
    this.moves.push({ target, speed: options.speed });
    this.onMove?.(target);
    if (this.hold) await abortable(this.hold, options.signal);
    this.position = target;
    return target;
  }
  speed(): Promise<number> {
    return Promise.resolve(this.velocity);
  }
  setSpeed(speed: number): Promise<void> {
    this.speeds.push(speed);
    this.velocity = speed;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stops++;
    return this.stopError ? Promise.reject(this.stopError) : Promise.resolve();
  }
}

class FakeSuspender {
  ok = true;
  losses = 0;
  current = 50;
  #back?: ReturnType<typeof gate>;
  /** The beam goes away. */
  lose(): void {
    this.ok = false;
    this.losses++;
    this.current = 0;
  }
  /** The beam comes back: a waiting runner resumes. */
  restore(): void {
    this.ok = true;
    this.current = 50;
    this.#back?.resolve();
  }
  async waitForBeam(options: {
    signal?: AbortSignal;
    onPause?: (current: number) => void | Promise<void>;
    onResume?: () => void | Promise<void>;
  }): Promise<void> {
    while (!this.ok) {
      this.#back = gate();
      await options.onPause?.(this.current);
      await abortable(this.#back.promise, options.signal);
      await options.onResume?.();
    }
  }
}

interface Rig {
  motor: FakeMotor;
  suspender: FakeSuspender;
  devices: RunnerDevices;
  acquisitions: number;
  reads: boolean[];
  /** Called as each acquisition starts. */
  onAcquire?: () => void;
  /** The fault watcher's callback while a run watches. */
  onFault?: (message: string) => void;
  unwatched: number;
}

function makeRig(): Rig {
  const motor = new FakeMotor();
  const suspender = new FakeSuspender();
  const rig: Rig = {
    motor,
    suspender,
    acquisitions: 0,
    reads: [],
    unwatched: 0,
    devices: {
      motor,
      daq: {
        acquire: () => {
          rig.acquisitions++;
          rig.onAcquire?.();
          return Promise.resolve();
        },
      },
      collector: {
        units: { "struck.PDB": "V", "iops.ch1": "mm" },
        read: (options): Promise<DataReading> => {
          rig.reads.push(options?.sequential ?? false);
          return Promise.resolve({
            timestamp: 1000 + rig.reads.length,
            struck: { PDB: Float64Array.of(1, 2, 3) },
            iops: { ch1: Float64Array.of(motor.position, motor.position, 0) },
            idc: { current: 1 },
            beam: { current: suspender.current, energy: 3 },
          });
        },
      },
      suspender,
      faults: {
        watch: (onFault) => {
          rig.onFault = onFault;
          return () => {
            rig.onFault = undefined;
            rig.unwatched++;
          };
        },
      },
    },
  };
  return rig;
}

function config(over: Record<string, unknown> = {}): ScanConfig {
  const base: Record<string, unknown> = {
    mode: 0,
    startPos: -1,
    endPos: 1,
    nSteps: 3,
    speed: 4,
    nScans: 2,
    settle: 0,
    bidir: 1,
    user: "ada",
    comment: "runner test",
    ...over,
  };
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) {
    raw[k] = { pv: `FAKE:${k}`, value: v };
  }
  return validateScanConfig(raw as RawScanInputs, {
    struckChannels: ["PDB"],
    iopsChannels: ["ch1"],
  });
}

/** Runs a request; `react` sees each event (and may act on the fakes). */
async function run(
  rig: Rig,
  cfg: ScanConfig,
  options: {
    react?: (e: RunnerEvent, controller: AbortController) => void;
    controller?: AbortController;
  } = {},
): Promise<{ outcome: RunOutcome; events: RunnerEvent[]; plan: ScanPlan }> {
  const plan = new ScanPlanner().plan(cfg);
  const events: RunnerEvent[] = [];
  const controller = options.controller ?? new AbortController();
  const runner = new FWSScanRunner(rig.devices, {
    scannerIndex: 1,
    testMode: true,
    source: { program: "fws", version: "test", host: "here" },
  });
  const outcome = await runner.run(cfg, plan, {
    emit: (e) => {
      events.push(e);
      options.react?.(e, controller);
      return Promise.resolve();
    },
    signal: controller.signal,
  });
  return { outcome, events, plan };
}

/**
 * The SCAN:STATE values an operator would see: the stream through the
 * table, with the callbacks' derived events where the daemon emits them
 * (an illegal transition throws and fails the test).
 */
function statesSeen(events: RunnerEvent[], outcome: RunOutcome): ScanState[] {
  const machine = new RequestStateMachine();
  const seen: ScanState[] = [];
  const fire = (t: RequestTrigger) => {
    const s = machine.fire(t);
    if (s !== seen[seen.length - 1]) seen.push(s);
  };
  fire("start");
  for (const e of events) {
    fire(triggerOf(e));
    if (e.type === "scanFinished") fire("fitsComputed");
    if (e.type === "requestFinished") fire("fileClosed");
  }
  fire(outcome.status === "error" ? "failed" : outcome.status);
  return seen;
}

const phases = (events: RunnerEvent[]) =>
  events.flatMap((e) => e.type === "phase" ? [e.phase] : []);

Deno.test("runner: a step request, 2 repetitions with BIDIR", async () => {
  const rig = makeRig();
  const { outcome, events } = await run(rig, config());
  assertEquals(outcome, {
    status: "completed",
    message: "completed 2 scans",
    scans: 2,
  });
  assertEquals(rig.motor.moves.map((m) => m.target), [-1, 0, 1, 1, 0, -1]);
  assert(rig.motor.moves.every((m) => m.speed === 2), "the motor's own speed");
  assertEquals(rig.acquisitions, 6);
  assertEquals(rig.reads, [false, false, false, false, false, false]);
  assertEquals(rig.motor.stops, 0);
  assertEquals(rig.unwatched, 1, "faults watched for the run only");
  assertEquals(events.map((e) => e.type), [
    "requestStarted",
    "scanStarted",
    ...Array(3).fill(["phase", "phase", "stepAcquired"]).flat(),
    "scanFinished",
    "scanStarted",
    ...Array(3).fill(["phase", "phase", "stepAcquired"]).flat(),
    "scanFinished",
    "requestFinished",
  ]);
  assertEquals(phases(events), Array(6).fill(["moving", "acquiring"]).flat());
  const progress = events.flatMap((e) =>
    e.type === "stepAcquired" ? [Math.round(e.progress)] : []
  );
  assertEquals(progress, [17, 33, 50, 67, 83, 100]);
  const records = events.flatMap((e) =>
    e.type === "scanFinished" ? [e.record] : []
  );
  assertEquals(records.map((r) => [r.name, r.direction, r.status]), [
    ["scan_001", "forward", "completed"],
    ["scan_002", "backward", "completed"],
  ]);
  assertEquals([...records[1].positionsReadback], [1, 0, -1]);
  for (const r of records) {
    assert(Object.isFrozen(r) && Object.isFrozen(r.fits), "handed frozen");
    assertEquals(Object.keys(r.fits), []);
  }
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    ...Array(3).fill(["MOVING", "ACQUIRING"]).flat(),
    "FITTING",
    "WRITING",
    ...Array(3).fill(["MOVING", "ACQUIRING"]).flat(),
    "FITTING",
    "WRITING",
    "DONE",
  ]);
});

Deno.test("runner: a fly request moves to the start, then flies while acquiring; the speed is restored", async () => {
  const rig = makeRig();
  const cfg = config({ mode: 1, nScans: 2, bidir: 1, speed: 4 });
  const { outcome, events } = await run(rig, cfg);
  assertEquals(outcome.status, "completed", outcome.message);
  assertEquals(outcome.scans, 2);
  assertEquals(rig.motor.moves, [
    { target: -1, speed: undefined },
    { target: 1, speed: 4 },
    { target: 1, speed: undefined },
    { target: -1, speed: 4 },
  ]);
  assertEquals(rig.motor.speeds, [2, 4, 2, 2, 4, 2]);
  assertEquals(rig.acquisitions, 2);
  assertEquals(rig.reads, [true, true], "fly waveforms read one by one");
  // no ACQUIRING before the move to the start (the flicker of old)
  assertEquals(phases(events), ["moving", "acquiring", "moving", "acquiring"]);
  const records = events.flatMap((e) =>
    e.type === "scanFinished" ? [e.record] : []
  );
  assertEquals([...records[0].positionsPlanned], [-1, 1]);
  assertEquals([...records[1].positionsReadback], [1, -1]);
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    "MOVING",
    "ACQUIRING",
    "FITTING",
    "WRITING",
    "MOVING",
    "ACQUIRING",
    "FITTING",
    "WRITING",
    "DONE",
  ]);
});

Deno.test("runner: beam lost between steps pauses before the move; its return resumes", async () => {
  const rig = makeRig();
  let progressWhilePaused = -1;
  const { outcome, events } = await run(rig, config({ nScans: 1 }), {
    react: (e) => {
      if (e.type === "stepAcquired" && e.step === 0) rig.suspender.lose();
      if (e.type === "phase" && e.phase === "paused") {
        progressWhilePaused = rig.acquisitions;
        rig.suspender.restore();
      }
    },
  });
  assertEquals(outcome.status, "completed", outcome.message);
  assertEquals(progressWhilePaused, 1, "nothing acquired while paused");
  assertEquals(rig.acquisitions, 3, "no step repeated");
  const details = events.flatMap((e) =>
    e.type === "phase" && (e.phase === "paused" || e.phase === "resumed")
      ? [e.detail]
      : []
  );
  assertEquals(details, ["beam lost (0 mA): paused", "beam back: resuming"]);
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    "MOVING",
    "ACQUIRING",
    "PAUSED",
    "MOVING",
    "ACQUIRING",
    "MOVING",
    "ACQUIRING",
    "FITTING",
    "WRITING",
    "DONE",
  ]);
});

Deno.test("runner: beam lost during an acquisition repeats it once the beam is back", async () => {
  const rig = makeRig();
  let lost = false;
  rig.onAcquire = () => {
    if (!lost && rig.acquisitions === 2) {
      lost = true;
      rig.suspender.lose();
    }
  };
  const { outcome, events } = await run(rig, config({ nScans: 1 }), {
    react: (e) => {
      if (e.type === "phase" && e.phase === "paused") rig.suspender.restore();
    },
  });
  assertEquals(outcome.status, "completed", outcome.message);
  assertEquals(rig.acquisitions, 4, "step 2 acquired again");
  assertEquals(rig.motor.moves.length, 3, "without moving again");
  const records = events.flatMap((e) =>
    e.type === "scanFinished" ? [e.record] : []
  );
  assertEquals(records[0].timestamps.length, 3);
  assert([...records[0].beam.current.values].every((c) => c === 50));
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    "MOVING",
    "ACQUIRING",
    "MOVING",
    "ACQUIRING",
    "PAUSED",
    "ACQUIRING",
    "MOVING",
    "ACQUIRING",
    "FITTING",
    "WRITING",
    "DONE",
  ]);
});

Deno.test("runner: an abort during a move stops the motor and hands on the partial repetition", async () => {
  const rig = makeRig();
  const controller = new AbortController();
  rig.motor.onMove = () => {
    if (rig.motor.moves.length !== 3) return;
    rig.motor.hold = gate().promise; // never released: only the abort ends it
    queueMicrotask(() =>
      controller.abort(
        { kind: "abort", message: "aborted by the test" } satisfies StopReason,
      )
    );
  };
  const { outcome, events } = await run(rig, config({ nSteps: 5 }), {
    controller,
  });
  assertEquals(outcome, {
    status: "aborted",
    message: "aborted by the test",
    scans: 1,
  });
  assertEquals(rig.motor.stops, 1);
  const last = events[events.length - 1];
  assertEquals(last.type, "requestFinished");
  assert(last.type === "requestFinished" && last.status === "aborted");
  const records = events.flatMap((e) =>
    e.type === "scanFinished" ? [e.record] : []
  );
  assertEquals(records.length, 1);
  assertEquals(records[0].status, "aborted");
  assertEquals(records[0].timestamps.length, 2);
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    "MOVING",
    "ACQUIRING",
    "MOVING",
    "ACQUIRING",
    "MOVING",
    "FITTING",
    "WRITING",
    "ABORTED",
  ]);
});

Deno.test("runner: an abort while paused ends the request without a partial repetition", async () => {
  const rig = makeRig();
  rig.suspender.lose();
  const { outcome, events } = await run(rig, config({ nScans: 1 }), {
    react: (e, controller) => {
      if (e.type === "phase" && e.phase === "paused") {
        queueMicrotask(() => controller.abort());
      }
    },
  });
  assertEquals(outcome, { status: "aborted", message: "aborted", scans: 0 });
  assertEquals(rig.motor.moves.length, 0, "nothing moved without beam");
  assertEquals(rig.motor.stops, 1);
  assertEquals(statesSeen(events, outcome), [
    "VALIDATING",
    "MOVING",
    "PAUSED",
    "WRITING",
    "ABORTED",
  ]);
});

Deno.test("runner: a fault its devices report ends the request as an error; a failed motor stop is logged as an error", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { mem: (r: LogRecord) => records.push(r) },
    loggers: [
      { category: ["fws", "scan"], lowestLevel: "warning", sinks: ["mem"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  try {
    const rig = makeRig();
    rig.motor.stopError = new Error("FAKE:MTR.STOP disconnected");
    rig.motor.onMove = () => {
      if (rig.motor.moves.length === 2) {
        rig.motor.hold = gate().promise;
        queueMicrotask(() => rig.onFault?.("lost connection to FAKE:MTR"));
      }
    };
    const { outcome, events } = await run(rig, config({ nScans: 1 }));
    assertEquals(outcome, {
      status: "error",
      message: "lost connection to FAKE:MTR",
      scans: 1,
    });
    assertEquals(rig.unwatched, 1);
    assertEquals(rig.motor.stops, 1);
    const errors = records.filter((r) => r.level === "error").map((r) =>
      r.message.map(String).join("")
    );
    assertEquals(errors.length, 1, errors.join("\n"));
    assertMatch(errors[0], /could not stop the motor FAKE:MTR: .*disconnected/);
    assertEquals(statesSeen(events, outcome), [
      "VALIDATING",
      "MOVING",
      "ACQUIRING",
      "MOVING",
      "FITTING",
      "WRITING",
      "ERROR",
    ]);
  } finally {
    await reset();
  }
});
