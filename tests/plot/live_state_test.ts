/**
 * The live page's state assembly and its server-sent-event encoding, without
 * sockets: PV updates in the daemon's order become the events the page
 * applies, and the page's copy (`applyLiveEvent`) ends equal to the
 * server's snapshot.
 */
import { assert, assertEquals } from "../support/assert.ts";
import {
  decodeSse,
  encodeSse,
  type LiveEvent,
} from "../../islands/shared/live_events.ts";
import {
  type LiveInput,
  LiveState,
  type LoadedFile,
} from "../../routes/_lib/live_state.ts";
import { applyLiveEvent } from "../../islands/live_view.tsx";

const at = (t: number) => ({ ca: t, recv: t + 1 });

function rig(
  load: (path: string) => Promise<LoadedFile> = () =>
    Promise.resolve({ readable: false, reason: "not here" }),
) {
  const state = new LiveState({
    prefix: "Test:FWS07:",
    struckChannels: ["PDB", "PDT"],
    load,
  });
  const events: LiveEvent[] = [];
  const page = state.snapshot();
  state.subscribe((e) => {
    if (!e) return;
    events.push(e);
    // through the wire, as the browser receives it
    for (const back of decodeSse(encodeSse(e))) applyLiveEvent(page, back);
  });
  const feed = (inputs: LiveInput[], t = 0) =>
    inputs.forEach((i, k) => state.update(i, at(t + k)));
  return { state, events, page, feed };
}

/** One step as the daemon publishes it: LIVE:POS, then each LIVE:<CH>. */
function step(pos: number[], pdb: number[], pdt: number[]): LiveInput[] {
  return [
    { key: "pos", value: pos },
    { key: "daq", ch: "PDB", value: pdb },
    { key: "daq", ch: "PDT", value: pdt },
  ];
}

/** The start of a repetition: REP, DIR, then the arrays cleared. */
function repStart(n: number, dir: "forward" | "backward"): LiveInput[] {
  return [
    { key: "rep", value: n },
    { key: "dir", value: dir },
    { key: "pos", value: [] },
    { key: "daq", ch: "PDB", value: [] },
    { key: "daq", ch: "PDT", value: [] },
    { key: "fit", ch: "PDB", value: [] },
    { key: "fit", ch: "PDT", value: [] },
  ];
}

Deno.test("SSE: one event per block, JSON on one data line, decoded back", () => {
  const e: LiveEvent = {
    type: "points",
    rep: 1,
    ch: "PDB",
    from: 0,
    x: [1.5],
    y: [NaN],
    ca: 1,
    recv: 2,
  };
  const text = encodeSse(e);
  assertEquals(text.split("\n")[0], "event: points");
  assertEquals(text.match(/\n/g)!.length, 3);
  // JSON has no NaN: it travels as null
  assertEquals(
    decodeSse(text + ": comment\n\n")[0],
    { ...e, y: [null] } as unknown as LiveEvent,
  );
});

Deno.test("live state: a step sends only its new point, paired by the shorter array", () => {
  const { events, feed, state } = rig();
  feed([{ key: "state", value: "IDLE" }, { key: "state", value: "MOVING" }]);
  assertEquals(events.filter((e) => e.type === "request").length, 1);
  feed(repStart(1, "forward"));
  feed(step([0], [10], [20]));
  feed([{ key: "pos", value: [0, 1] }]); // LIVE:<CH> not yet: no point
  const before = events.length;
  feed([{ key: "daq", ch: "PDB", value: [10, 11] }], 10);
  const pts = events.slice(before).filter((e) => e.type === "points");
  assertEquals(pts.length, 1);
  assertEquals(pts[0], {
    type: "points",
    rep: 1,
    ch: "PDB",
    from: 1,
    x: [1],
    y: [11],
    ca: 10,
    recv: 11,
  });
  const snap = state.snapshot();
  assertEquals(snap.reps[0].points.PDB, { x: [0, 1], y: [10, 11] });
  assertEquals(snap.reps[0].points.PDT, { x: [0], y: [20] });
});

Deno.test("live state: repetitions, fit curve, fit table, new request; the page's copy follows", () => {
  const { feed, page, state } = rig();
  feed([{ key: "state", value: "DONE" }, { key: "state", value: "MOVING" }]);
  feed(repStart(1, "forward"));
  for (let k = 1; k <= 3; k++) {
    const x = [0, 1, 2].slice(0, k);
    feed(step(x, x.map((v) => v * 2), x.map((v) => v * 3)));
  }
  feed([{ key: "fit", ch: "PDB", value: [0.1, 2.1, 4.1] }]);
  feed([
    { key: "fitField", ch: "PDB", field: "center", value: 1.5 },
    { key: "fitField", ch: "PDB", field: "sigma", value: 0.5 },
    { key: "fitField", ch: "PDB", field: "ok", value: 1 },
    { key: "fitField", ch: "PDB", field: "rejected", value: 2 },
    { key: "fitField", ch: "PDB", field: "sigmaFloor", value: 0.6 },
    { key: "fitField", ch: "PDB", field: "sigmaLow", value: 1 },
    { key: "fitField", ch: "PDB", field: "model", value: 3 },
    { key: "fitField", ch: "PDB", field: "dAicc", value: 12.5 },
  ]);
  feed(repStart(2, "backward"));
  feed(step([2], [4], [6]));
  const snap = state.snapshot();
  assertEquals(snap.reps.map((r) => [r.rep, r.direction]), [
    [1, "forward"],
    [2, "backward"],
  ]);
  assertEquals(snap.reps[0].fit.PDB, { x: [0, 1, 2], y: [0.1, 2.1, 4.1] });
  const row = snap.fits.PDB.rows[0];
  assertEquals([row.scan, row.ok, row.center, row.sigma, row.nPoints], [
    1,
    true,
    1.5,
    0.5,
    3,
  ]);
  assertEquals(snap.fits.PDB.summary.center.mean, 1.5);
  // the fit's quality: points left out, σ's floor and the flag
  assertEquals(row.rejected, 2);
  assertEquals([row.budget?.floor, row.budget?.belowFloor], [0.6, true]);
  // FIT:PDB:MODEL's index 3 (the models without AUTO) is the split Gaussian
  assertEquals(row.model, { name: "split_gauss", deltaAicc: 12.5 });
  assertEquals(page.reps, snap.reps);
  assertEquals(page.fits.PDB, snap.fits.PDB);
  // a new request drops the earlier repetitions
  feed([{ key: "state", value: "DONE" }, {
    key: "state",
    value: "VALIDATING",
  }]);
  assertEquals(state.snapshot().reps, []);
  assertEquals(page.reps, []);
});

Deno.test("live state: first monitor values in any order make one repetition", () => {
  const { feed, state } = rig();
  feed([...step([0, 1], [5, 6], [7, 8]), { key: "rep", value: 3 }]);
  const snap = state.snapshot();
  assertEquals(snap.reps.length, 1);
  assertEquals(snap.reps[0].rep, 3);
  assertEquals(snap.reps[0].points.PDB.x, [0, 1]);
});

Deno.test("live state: the finished file is loaded once when the request ends, or said unreadable", async () => {
  const asked: string[] = [];
  const { feed, events, state } = rig((path) => {
    asked.push(path);
    return Promise.resolve({
      readable: false,
      reason: "no such file on this machine",
    });
  });
  feed([
    { key: "state", value: "IDLE" },
    { key: "state", value: "MOVING" },
    { key: "file", value: "/data/fws07_20261202_100000.h5" },
    { key: "state", value: "WRITING" },
  ]);
  assertEquals(asked, [], "not before the request ends");
  feed([{ key: "state", value: "DONE" }, { key: "state", value: "DONE" }]);
  await Promise.resolve();
  await Promise.resolve();
  assertEquals(asked, ["/data/fws07_20261202_100000.h5"]);
  const file = events.find((e) => e.type === "file");
  assert(file && file.type === "file");
  assertEquals(file.file.readable, false);
  assertEquals(file.file.name, "fws07_20261202_100000.h5");
  assertEquals(state.snapshot().file?.reason, "no such file on this machine");
});

Deno.test("live state: connection and heartbeat changes are status events", () => {
  const { state, events } = rig();
  state.connection(true, "", at(1));
  state.connection(true, "", at(2));
  state.daemon(false, at(3));
  const statuses = events.filter((e) => e.type === "status");
  assertEquals(statuses.length, 2);
  const last = statuses.at(-1)!;
  assert(last.type === "status");
  assertEquals([last.status.connected, last.status.daemonAlive], [true, false]);
});
