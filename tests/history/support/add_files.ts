/**
 * Test helper: adds the scan files of a directory to its catalog one by one,
 * printing `added <path>` after each commit, then adds them again (forced)
 * forever, so that a SIGKILL lands while the catalog is being written.
 *
 * Usage: add_files.ts <dir>
 *
 * @module
 */
import { ScanCatalog } from "../../../lib/history/mod.ts";

const dir = Deno.args[0];
const names = [...Deno.readDirSync(dir)].map((e) => e.name)
  .filter((n) => n.endsWith(".h5")).sort();
const catalog = ScanCatalog.open(dir);
const out = (line: string) =>
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
for (const name of names) {
  await catalog.addFile(`${dir}/${name}`);
  out(`added ${dir}/${name}`);
}
out("looping");
for (;;) {
  for (const name of names) {
    await catalog.addFile(`${dir}/${name}`, { force: true });
  }
}
