/**
 * `deno task bench`: runs every `bench/*_bench.ts` in turn. Each one measures
 * fws against its reference tool in the same run and prints a markdown table
 * with ratio columns. Pass names to run a subset: `deno task bench fit hdf5`.
 *
 * @module
 */
const here = new URL(".", import.meta.url).pathname;
const wanted = Deno.args;
const files = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((n) => n.endsWith("_bench.ts"))
  .filter((n) => wanted.length === 0 || wanted.some((w) => n.startsWith(w)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace(/_bench\.ts$/, "")}\n`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=test", `${here}${file}`],
  }).spawn().status;
  if (!status.success) {
    console.error(`${file} failed with exit code ${status.code}`);
    failed++;
  }
}
Deno.exit(failed ? 1 : 0);
