/**
 * What an operator sees on SCAN:STATE (camonitor over CA, against the
 * simulated IOC): every state of a two-repetition fly request and a
 * two-repetition step request, in order and without flicker — each phase
 * shows once, and a state is left only for the next phase of the request.
 */
import { SCAN_STATES } from "../../lib/pvmap/mod.ts";
import { assertEquals } from "../support/assert.ts";
import { makeRig, type Rig, text } from "./rig.ts";

/** Follows SCAN:STATE through one request; resolves with every value seen. */
async function statesOf(
  rig: Rig,
  inputs: Record<string, number | string>,
): Promise<{ states: string[]; message: string }> {
  const states: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => done = r);
  let requested = false;
  const sub = rig.ca.monitor(rig.pv("scan.state"), (v) => {
    const label = typeof v.value === "number"
      ? SCAN_STATES[v.value] ?? String(v.value)
      : text(v.value);
    states.push(label);
    if (requested && ["DONE", "ABORTED", "ERROR"].includes(label)) done();
  });
  try {
    // the monitor's first update is the state before the request
    await rig.waitFor("scan.state", () => states.length > 0, 5);
    requested = true;
    const outcome = await rig.request(inputs, 30);
    await finished;
    return { states, message: outcome.message };
  } finally {
    sub.cancel();
  }
}

Deno.test("SCAN:STATE: a two-repetition fly request and a two-repetition step request, without flicker", async () => {
  const rig = await makeRig();
  try {
    const fly = await statesOf(rig, {
      mode: "FLY",
      startPos: -5,
      endPos: 5,
      speed: 50,
      nScans: 2,
      bidir: 1,
      settle: 0,
    });
    assertEquals(fly.states, [
      "IDLE",
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
    ], fly.message);
    const step = await statesOf(rig, {
      mode: "STEP",
      startPos: -3,
      endPos: 3,
      nSteps: 4,
      nScans: 2,
      bidir: 1,
      settle: 0,
    });
    const steps = Array(4).fill(["MOVING", "ACQUIRING"]).flat();
    assertEquals(step.states, [
      "DONE",
      "VALIDATING",
      ...steps,
      "FITTING",
      "WRITING",
      ...steps,
      "FITTING",
      "WRITING",
      "DONE",
    ], step.message);
  } finally {
    await rig.close();
  }
});
