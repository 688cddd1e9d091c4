/**
 * Baseline and drift against the simulated IOC: a scan marked as the
 * scanner's reference with `fws index <dir> --reference FILE` (the binary's
 * permission set), then each new result's drift on FIT:<CH>:DRIFT: small
 * and without alarm for the same beam, HIHI MAJOR once the beam has grown;
 * DRIFT_REL is σ's relative change; `--reference none` clears the mark. The
 * generated database carries the same alarm limits.
 */
import { join } from "node:path";
import { iocDatabase, macroInterface } from "../../lib/ops/mod.ts";
import { REFERENCE_FILE } from "../../lib/history/mod.ts";
import { assert, assertAlmostEquals, assertEquals } from "../support/assert.ts";
import { makeRig } from "./rig.ts";

const root = new URL("../../", import.meta.url).pathname;

async function fwsIndex(
  args: string[],
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=fws", "main.ts", "index", ...args],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

Deno.test("drift: a reference marked with fws index, then each result's drift from it on FIT:<CH>:DRIFT with its alarm", async () => {
  const rig = await makeRig();
  try {
    const request = { mode: "STEP", nSteps: 31, nScans: 2 };
    const first = await rig.request(request);
    assertEquals(first.status, "completed", first.message);
    const marked = await fwsIndex([rig.dataDir, "--reference", first.file]);
    assertEquals(marked.code, 0, marked.out);
    assert(
      marked.out.includes(`reference of ${rig.dataDir} is ${first.file}`),
      marked.out,
    );

    const drift = async (ch: string) => {
      const v = await rig.ca.get(rig.pv(`fit.${ch}.drift`), {
        form: "time",
        timeout: 3,
      });
      return { z: v.value as number, severity: v.severity, status: v.status };
    };
    const same = await rig.request(request);
    assertEquals(same.status, "completed", same.message);
    const calm = await drift("PDB");
    assert(calm.z < 3, `same beam: drift ${calm.z}`);
    assertEquals(calm.severity, 0);

    rig.sim.beam.sigma = 1.4; // the beam grows (the reference saw 1.2 mm)
    const grown = await rig.request(request);
    assertEquals(grown.status, "completed", grown.message);
    const alarm = await drift("PDB");
    assert(alarm.z >= 5, `grown beam: drift ${alarm.z}`);
    assertEquals([alarm.severity, alarm.status], [2, 3]); // MAJOR, HIHI
    const rel = (await rig.ca.get(rig.pv("fit.PDB.driftRel"))).value as number;
    assertAlmostEquals(rel, (1.4 - 1.2) / 1.2, 0.03);

    const cleared = await fwsIndex([rig.dataDir, "--reference", "none"]);
    assertEquals(cleared.code, 0, cleared.out);
    await assertGone(join(rig.dataDir, REFERENCE_FILE));
    const bad = await fwsIndex([
      rig.dataDir,
      "--reference",
      join(rig.dataDir, "nope.h5"),
    ]);
    assertEquals(bad.code, 1);
    assert(/--reference .*nope\.h5: /.test(bad.out), bad.out);
  } finally {
    await rig.close();
  }
  const db = iocDatabase(macroInterface());
  const record = db.split(`"$(P)FIT:PDB:DRIFT") {`)[1].split("}")[0];
  for (const f of ['HIGH, "3"', 'HSV, "MINOR"', 'HIHI, "5"', 'HHSV, "MAJOR"']) {
    assert(record.includes(`field(${f})`), record);
  }
});

async function assertGone(path: string): Promise<void> {
  let gone = false;
  try {
    await Deno.stat(path);
  } catch {
    gone = true;
  }
  assert(gone, `${path} still there`);
}
