/**
 * `ScanStatusCallback`, the one writer of SCAN:STATE, MSG and PROGRESS, over
 * a recording publisher: what each event publishes, that an illegal event is
 * an error, and that a request always ends in a state the next can start
 * from.
 */
import { ScanStatusCallback } from "../../lib/daemon/callbacks/status.ts";
import {
  StatusPublisher,
  type StatusSnapshot,
} from "../../lib/daemon/status.ts";
import type { FWSScanInterface } from "../../lib/pvmap/mod.ts";
import type { CaPort } from "../../lib/scan/ca_port.ts";
import type { ScanEvent } from "../../lib/scan/events.ts";
import { assertEquals, assertThrows } from "../support/assert.ts";

function recorder(): {
  publisher: StatusPublisher;
  sets: Partial<StatusSnapshot>[];
} {
  const sets: Partial<StatusSnapshot>[] = [];
  const publisher = {
    set: (u: Partial<StatusSnapshot>) => sets.push(u),
  } as unknown as StatusPublisher;
  return { publisher, sets };
}

const phase = (
  p: "moving" | "acquiring" | "paused" | "resumed",
): ScanEvent => ({
  type: "phase",
  phase: p,
  detail: `detail ${p}`,
});

Deno.test("status callback: a pause shows PAUSED with the reason; the file closed goes with the final state", () => {
  const { publisher, sets } = recorder();
  const status = new ScanStatusCallback(publisher);
  status.requestTaken();
  status.handle({
    type: "requestStarted",
    config: {
      mode: "step",
      nSteps: 3,
      nScans: 1,
      startPos: -1,
      endPos: 1,
    },
  } as unknown as ScanEvent);
  status.handle(phase("moving"));
  status.handle(phase("paused"));
  status.handle(phase("resumed"));
  assertEquals(status.state, "PAUSED");
  status.handle(phase("acquiring"));
  status.handle({
    type: "scanFinished",
    record: { name: "scan_001", status: "completed" },
  } as unknown as ScanEvent);
  status.handle({
    type: "fitsComputed",
    record: {},
    fits: {},
  } as unknown as ScanEvent);
  status.handle({
    type: "requestFinished",
    status: "completed",
    message: "completed 1 scan",
    endTime: "",
    scansWritten: 1,
  });
  status.handle({ type: "fileClosed", path: "/data/f.h5" });
  const final = status.finish({
    trigger: "completed",
    message: "completed 1 scan",
  });
  assertEquals(final, {
    state: "DONE",
    msg: "completed 1 scan; file /data/f.h5",
    file: "/data/f.h5",
  });
  assertEquals(sets.map((s) => s.state), [
    "VALIDATING",
    "MOVING",
    "MOVING",
    "PAUSED",
    "PAUSED",
    "ACQUIRING",
    "FITTING",
    "WRITING",
    "WRITING",
    "WRITING",
    "DONE",
  ]);
  assertEquals(sets[3].msg, "detail paused");
  assertEquals(sets[4].msg, "detail resumed");
  assertEquals(sets[10], {
    state: "DONE",
    msg: "completed 1 scan; file /data/f.h5",
    progress: 100,
    file: "/data/f.h5",
  });
});

Deno.test("status callback: an event the table refuses throws and publishes nothing", () => {
  const { publisher, sets } = recorder();
  const status = new ScanStatusCallback(publisher);
  assertThrows(
    () => status.handle(phase("acquiring")),
    /illegal transition: acquiring in state IDLE/,
  );
  assertEquals(sets, []);
  assertEquals(status.state, "IDLE");
});

Deno.test("status callback: an end the table refuses is shown as ERROR, so the next request can start", () => {
  const { publisher } = recorder();
  const status = new ScanStatusCallback(publisher);
  status.requestTaken();
  status.handle({
    type: "requestStarted",
    config: { mode: "fly", speed: 1, nScans: 1, startPos: 0, endPos: 1 },
  } as unknown as ScanEvent);
  const final = status.finish({ trigger: "completed", message: "done?" });
  assertEquals(final.state, "ERROR");
  status.requestTaken();
  assertEquals(status.state, "VALIDATING");
  assertEquals(
    status.finish({ trigger: "rejected", message: "bad input" }).state,
    "ERROR",
  );
});

Deno.test("status callback: the one module that publishes SCAN:STATE, MSG and PROGRESS", async () => {
  const lib = new URL("../../lib/", import.meta.url);
  const writers: string[] = [];
  const walk = async (dir: URL, rel: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${rel}${entry.name}`;
      if (entry.isDirectory) {
        await walk(new URL(`${entry.name}/`, dir), `${path}/`);
      } else if (entry.name.endsWith(".ts")) {
        const source = await Deno.readTextFile(new URL(entry.name, dir));
        if (/status\.set\(/.test(source)) writers.push(path);
      }
    }
  };
  await walk(lib, "lib/");
  assertEquals(writers, ["lib/daemon/callbacks/status.ts"]);
  const publisher = new StatusPublisher(
    {} as unknown as CaPort,
    {} as unknown as FWSScanInterface,
  );
  for (
    const logical of ["scan.state", "scan.msg", "scan.progress"] as const
  ) {
    assertThrows(() => publisher.put(logical, 1), /published by set\(\) alone/);
  }
});
