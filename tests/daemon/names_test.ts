/**
 * Names that cannot be hijacked, against the simulated IOC: a symlink
 * planted at the next scan file's name is never followed, a file created at
 * the final name during a request is never replaced (the request's file
 * takes the next free name, and MSG says so), and SCAN:FILE names this
 * request's file or nothing.
 */
import { join } from "node:path";
import { readScanFile, scanFileName } from "../../lib/hdf5/mod.ts";
import { assert, assertEquals } from "../support/assert.ts";
import { makeRig, text } from "./rig.ts";

Deno.test("names: planted symlinks are skipped and never followed; a file made at the final name mid-request is left alone", async () => {
  const rig = await makeRig();
  const outside = await Deno.makeTempDir({ prefix: "fws-hijack-" });
  try {
    // symlinks at the names of the next seconds, pointing outside
    const now = Date.now();
    for (let s = 0; s < 6; s++) {
      const name = scanFileName(7, new Date(now + s * 1000));
      for (const suffix of ["", ".partial"]) {
        await Deno.symlink(
          join(outside, `${name}${suffix}`),
          join(rig.dataDir, `${name}${suffix}`),
        );
      }
    }
    const first = await rig.request({ mode: "STEP", nSteps: 5, nScans: 1 });
    assertEquals(first.status, "completed", first.message);
    assert(/_2\.h5$/.test(first.file), `a free name: ${first.file}`);
    assertEquals([...Deno.readDirSync(outside)], [], "no symlink was followed");
    assertEquals(
      text((await rig.ca.get(rig.pv("scan.file"))).value),
      first.file,
    );

    // a file appears at the final name while the request runs
    await rig.setInputs({ nSteps: 40 });
    const outcome = rig.nextOutcome(30);
    const cleared = rig.waitFor("scan.file", (v) => text(v) === "");
    await rig.ca.put(rig.pv("scan.start"), 1, { wait: true, timeout: 3 });
    await cleared; // SCAN:FILE no longer names the last request's file
    await rig.waitFor("scan.step", (v) => (v as number) >= 2);
    // the daemon's file, not one of the planted symlinks
    const partial = [...Deno.readDirSync(rig.dataDir)]
      .find((e) => e.isFile && e.name.endsWith(".h5.partial"))!.name;
    const finalName = join(rig.dataDir, partial.replace(/\.partial$/, ""));
    await Deno.writeTextFile(finalName, "precious");
    const second = await outcome;
    assertEquals(second.status, "completed", second.message);
    assertEquals(await Deno.readTextFile(finalName), "precious");
    assertEquals(second.file, finalName.replace(/\.h5$/, "_2.h5"));
    assertEquals((await readScanFile(second.file)).scans.length, 1);
    const msg = await rig.msg();
    assert(
      msg.includes(
        `file ${second.file} (${finalName} appeared during the request and was left alone)`,
      ),
      msg,
    );
    assertEquals(
      text((await rig.ca.get(rig.pv("scan.file"))).value),
      second.file,
    );
  } finally {
    await rig.close();
    await Deno.remove(outside, { recursive: true });
  }
});
