/**
 * A fork's PVs in the generated IOC database and Phoebus display: each
 * wire's fit, its size-corrected σ and stroke shift, and the beam ellipse
 * are hosted (EPICS's own softIoc loads the database) and shown.
 */
import {
  bobDisplay,
  iocDatabase,
  iocRecords,
  macroInterface,
  recordDescription,
} from "../../lib/ops/mod.ts";
import {
  checkWires,
  FWSScanInterface,
  type PvMapFile,
} from "../../lib/pvmap/mod.ts";
import { simFork } from "../../lib/sim/fork.ts";
import { missingReference } from "../support/refs.ts";
import { caget, SoftIoc } from "../support/epics.ts";
import { assert, assertEquals } from "../support/assert.ts";

const MAP: PvMapFile = {
  wires: checkWires(simFork("xuy").map((w) => ({ ...w, window: "auto" }))),
};
const FORK_PVS = [
  "FIT:PDB:U:CENTER",
  "FIT:PDT:Y:SIGMA_BEAM",
  "FIT:PDB:X:STROKE_SHIFT_ERR",
  "FIT:PDB:X:OK",
  "BEAM:TILT",
  "BEAM:SIGMA_XY_ERR",
  "BEAM:CORR",
];

Deno.test("a fork's database hosts each wire's fit and the beam ellipse, with short descriptions; a single wire has none", () => {
  const text = iocDatabase(macroInterface(MAP));
  for (const pv of FORK_PVS) assert(text.includes(`"$(P)${pv}"`), pv);
  for (const e of iocRecords(new FWSScanInterface(1, { map: MAP }))) {
    const desc = recordDescription(e.spec);
    assert(new TextEncoder().encode(desc).length <= 40, desc);
  }
  const single = iocDatabase(macroInterface());
  for (const pv of FORK_PVS) assert(!single.includes(`"$(P)${pv}"`), pv);
});

Deno.test("a fork's display shows each wire's fit and the beam ellipse", () => {
  const bob = bobDisplay(new FWSScanInterface(1, { map: MAP }));
  for (const pv of FORK_PVS) {
    assert(bob.includes(`<pv_name>FWS01:${pv}</pv_name>`), pv);
  }
});

Deno.test({
  name: "softIoc loads a fork's database: the wire and beam records answer",
  ignore: missingReference("epics"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fws-fork-db-" });
    try {
      await Deno.writeTextFile(
        `${dir}/fork.db`,
        iocDatabase(macroInterface(MAP)),
      );
      await using ioc = await SoftIoc.start({
        db: `${dir}/fork.db`,
        macros: { P: "FWS01:" },
      });
      assert(!/error/i.test(ioc.output), ioc.output);
      const r = await caget(["FWS01:BEAM:TILT", "FWS01:FIT:PDB:U:OK"], {
        port: ioc.port,
      });
      assert(r.success, r.stderr);
      assertEquals(r.stdout.trim().split("\n").length, 2, r.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
