/**
 * The error budget of σ in the daemon, against the simulated IOC: the floor
 * on FIT:<CH>:SIGMA_FLOOR is the file's, and `errorBudget` finds it again
 * from the file's data; a wire as thick as the beam puts σ below its floor,
 * FIT:<CH>:SIGMA_LOW says so with a MINOR alarm, and `fws inspect` flags it.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { formatReport, inspectReport } from "../../lib/hdf5/inspect.ts";
import { errorBudget } from "../../lib/analysis/error_budget.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { parsePvMap } from "../../lib/pvmap/mod.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";
import { makeRig } from "./rig.ts";

Deno.test("daemon: σ's error budget on the PVs and in the file; a σ below its floor is flagged", async () => {
  for (const diameter of [0.02, 8]) {
    const map = parsePvMap(JSON.stringify({
      wires: [{ name: "X", angle: 0, window: "all", diameter }],
    }));
    const rig = await makeRig({ daemon: { pvMap: map } });
    try {
      const r = await rig.request({ mode: "STEP", nSteps: 41, nScans: 1 });
      assertEquals(r.status, "completed", r.message);
      const scan = (await readScanFile(r.file)).scans[0];
      const stored = scan.errorBudgets!.PDB;
      const again = errorBudget(
        scan,
        profileOf(scan, "PDB", "ch1"),
        scan.fits.PDB,
        {
          iops: "ch1",
          diameter,
        },
      );
      assertAlmostEquals(stored.floor, again.floor, 1e-12);
      assertEquals(stored.wire, diameter / 4);
      assert(Number.isFinite(stored.readout), "the sim has two IOPS channels");
      const floor = await rig.ca.get(rig.pv("fit.PDB.sigmaFloor"));
      assertAlmostEquals(floor.value as number, stored.floor, 1e-9);
      const low = await rig.ca.get(rig.pv("fit.PDB.sigmaLow"), {
        form: "time",
      });
      const text = formatReport(
        inspectReport(r.file, await readScanFile(r.file)),
      );
      if (diameter < 1) {
        assertEquals([low.value, low.severity], [0, 0]);
        assertEquals(stored.belowFloor, false);
        assert(!/BELOW FLOOR/.test(text), text);
      } else {
        // an 8 mm wire: d/4 = 2 mm, wider than the simulated σ
        assertEquals(stored.belowFloor, true);
        assertEquals([low.value, low.severity], [1, 1]);
        assert(/error budget of σ PDB[\s\S]*BELOW FLOOR/.test(text), text);
      }
    } finally {
      await rig.close();
    }
  }
});
