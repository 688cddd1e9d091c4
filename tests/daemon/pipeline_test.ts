import { CallbackPipeline } from "../../lib/daemon/callbacks/pipeline.ts";
import type { ScanCallback, ScanEvent } from "../../lib/scan/events.ts";
import { assertEquals } from "../support/assert.ts";

const event: ScanEvent = {
  type: "phase",
  phase: "moving",
  detail: "test",
};

Deno.test("pipeline: callbacks run in order; a failing one is contained and reported", async () => {
  const seen: string[] = [];
  const reported: string[] = [];
  const cb = (name: string, fail?: "throw" | "reject"): ScanCallback => ({
    name,
    handle(e: ScanEvent) {
      seen.push(`${name}:${e.type}`);
      if (fail === "throw") throw new Error(`${name} broke`);
      if (fail === "reject") {
        return Promise.reject(new Error(`${name} rejected`));
      }
    },
  });
  const pipeline = new CallbackPipeline(
    [cb("a"), cb("b", "throw"), cb("c", "reject"), cb("d")],
    {
      onFailure: (f) => {
        reported.push(`${f.callback}/${f.event}: ${f.message}`);
        throw new Error("a broken reporter must not matter");
      },
    },
  );
  await pipeline.emit(event);
  await pipeline.emit(event);
  assertEquals(seen.length, 8);
  assertEquals(seen.slice(0, 4), ["a:phase", "b:phase", "c:phase", "d:phase"]);
  assertEquals(reported[0], "b/phase: b broke");
  assertEquals(reported[1], "c/phase: c rejected");
  const failures = pipeline.takeFailures();
  assertEquals(failures.length, 4);
  assertEquals(pipeline.takeFailures().length, 0);
});

Deno.test("pipeline: a derived event reaches every callback after the event it came from, frozen", async () => {
  const seen: string[] = [];
  const frozen: boolean[] = [];
  const cb = (name: string): ScanCallback => ({
    name,
    handle(e, context) {
      seen.push(`${name}:${e.type}`);
      frozen.push(Object.isFrozen(e));
      if (name === "fit" && e.type === "phase") {
        context.emit({ type: "fileClosed", path: "/x.h5" });
      }
    },
  });
  const pipeline = new CallbackPipeline([cb("status"), cb("fit"), cb("file")]);
  await pipeline.emit({ type: "phase", phase: "moving", detail: "" });
  assertEquals(seen, [
    "status:phase",
    "fit:phase",
    "file:phase",
    "status:fileClosed",
    "fit:fileClosed",
    "file:fileClosed",
  ]);
  assertEquals(frozen, Array(6).fill(true));
});
