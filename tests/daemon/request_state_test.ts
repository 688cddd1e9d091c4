/**
 * The request state table: every legal transition leads where the table
 * below says, every other (state, trigger) pair is an IllegalTransitionError
 * that leaves the state as it was, and every state is reachable from IDLE.
 */
import { SCAN_STATES, type ScanState } from "../../lib/pvmap/mod.ts";
import {
  FINAL_STATES,
  IllegalTransitionError,
  nextState,
  REQUEST_TRANSITIONS,
  REQUEST_TRIGGERS,
  RequestStateMachine,
  type RequestTrigger,
  triggerOf,
} from "../../lib/daemon/request_state.ts";
import { assert, assertEquals, assertThrows } from "../support/assert.ts";

/** The request's life, written out independently of the module. */
const EXPECTED = `
IDLE start VALIDATING
VALIDATING requestStarted MOVING
VALIDATING rejected ERROR
VALIDATING aborted ABORTED
VALIDATING failed ERROR
MOVING scanStarted MOVING
MOVING moving MOVING
MOVING acquiring ACQUIRING
MOVING paused PAUSED
MOVING scanFinished FITTING
MOVING requestFinished WRITING
MOVING fileFailed MOVING
MOVING failed ERROR
ACQUIRING acquiring ACQUIRING
ACQUIRING stepAcquired ACQUIRING
ACQUIRING progress ACQUIRING
ACQUIRING moving MOVING
ACQUIRING paused PAUSED
ACQUIRING scanFinished FITTING
ACQUIRING requestFinished WRITING
ACQUIRING failed ERROR
PAUSED paused PAUSED
PAUSED resumed PAUSED
PAUSED moving MOVING
PAUSED acquiring ACQUIRING
PAUSED scanFinished FITTING
PAUSED requestFinished WRITING
PAUSED failed ERROR
FITTING fitsComputed WRITING
FITTING failed ERROR
WRITING scanStarted MOVING
WRITING moving MOVING
WRITING paused PAUSED
WRITING requestFinished WRITING
WRITING fileClosed WRITING
WRITING fileFailed WRITING
WRITING completed DONE
WRITING aborted ABORTED
WRITING failed ERROR
DONE start VALIDATING
ABORTED start VALIDATING
ERROR start VALIDATING
`.trim().split("\n").map((line) => {
  const [from, trigger, to] = line.split(" ");
  return { from, trigger, to } as {
    from: ScanState;
    trigger: RequestTrigger;
    to: ScanState;
  };
});

const key = (state: string, trigger: string) => `${state} ${trigger}`;
const expected = new Map(EXPECTED.map((t) => [key(t.from, t.trigger), t.to]));

/** The shortest legal path of triggers from IDLE to each state. */
function pathsFromIdle(): Map<ScanState, RequestTrigger[]> {
  const paths = new Map<ScanState, RequestTrigger[]>([["IDLE", []]]);
  const queue: ScanState[] = ["IDLE"];
  for (let s = queue.shift(); s; s = queue.shift()) {
    for (const t of REQUEST_TRIGGERS) {
      const next = nextState(s, t);
      if (next && !paths.has(next)) {
        paths.set(next, [...paths.get(s)!, t]);
        queue.push(next);
      }
    }
  }
  return paths;
}

/** A machine brought to `state` through legal transitions only. */
function machineIn(state: ScanState): RequestStateMachine {
  const machine = new RequestStateMachine();
  for (const t of pathsFromIdle().get(state)!) machine.fire(t);
  assertEquals(machine.state, state);
  return machine;
}

Deno.test("request state: the table is exactly the expected one, over every state of SCAN_STATES", () => {
  assertEquals(
    Object.keys(REQUEST_TRANSITIONS).sort(),
    [...SCAN_STATES].sort(),
  );
  const actual = Object.entries(REQUEST_TRANSITIONS).flatMap(([from, row]) =>
    Object.entries(row).map(([trigger, to]) => `${from} ${trigger} ${to}`)
  );
  assertEquals(
    actual.sort(),
    EXPECTED.map((t) => `${t.from} ${t.trigger} ${t.to}`).sort(),
  );
  assertEquals(SCAN_STATES[SCAN_STATES.length - 1], "PAUSED");
  assertEquals(SCAN_STATES.indexOf("ERROR"), 8, "older indices unchanged");
});

Deno.test("request state: every state is reachable from IDLE and every running state can fail", () => {
  const paths = pathsFromIdle();
  for (const s of SCAN_STATES) assert(paths.has(s), `${s} reachable`);
  for (const s of SCAN_STATES) {
    const final = FINAL_STATES.includes(s) || s === "IDLE";
    assertEquals(nextState(s, "failed"), final ? undefined : "ERROR", s);
    // from a final state the next request can always start
    if (final) assertEquals(nextState(s, "start"), "VALIDATING", s);
  }
});

Deno.test("request state: every legal transition leads to its state", () => {
  let n = 0;
  for (const { from, trigger, to } of EXPECTED) {
    const machine = machineIn(from);
    assert(machine.accepts(trigger), `${from} accepts ${trigger}`);
    assertEquals(machine.fire(trigger), to, `${from} --${trigger}-->`);
    assertEquals(machine.state, to);
    n++;
  }
  assertEquals(n, 42);
});

Deno.test("request state: every illegal transition throws and leaves the state", () => {
  let n = 0;
  for (const from of SCAN_STATES) {
    for (const trigger of REQUEST_TRIGGERS) {
      if (expected.has(key(from, trigger))) continue;
      const machine = machineIn(from);
      assert(!machine.accepts(trigger), `${from} refuses ${trigger}`);
      const error = assertThrows(
        () => machine.fire(trigger),
        new RegExp(`illegal transition: ${trigger} in state ${from}`),
      );
      assert(error instanceof IllegalTransitionError);
      assertEquals(error.state, from);
      assertEquals(error.trigger, trigger);
      assertEquals(machine.state, from, `${from} after refusing ${trigger}`);
      n++;
    }
  }
  assertEquals(n, SCAN_STATES.length * REQUEST_TRIGGERS.length - 42);
});

Deno.test("request state: a phase event triggers by its phase, others by their type", () => {
  assertEquals(
    triggerOf({ type: "phase", phase: "paused", detail: "" }),
    "paused",
  );
  assertEquals(triggerOf({ type: "fileClosed", path: "" }), "fileClosed");
});

Deno.test("request state: docs/architecture.md shows the table as it is", async () => {
  const doc = await Deno.readTextFile(
    new URL("../../docs/architecture.md", import.meta.url),
  );
  const rows = new Map<string, string>();
  for (
    const [, state, cells] of doc.matchAll(/^\| ([A-Z]+) +\| (.+?) +\|$/gm)
  ) {
    rows.set(state, cells);
  }
  for (const s of SCAN_STATES) {
    const shown = Object.entries(REQUEST_TRANSITIONS[s]).map(([t, to]) =>
      `${t} → ${to}`
    ).join(", ");
    assertEquals(rows.get(s), shown, `row ${s} of the table in the docs`);
  }
});
