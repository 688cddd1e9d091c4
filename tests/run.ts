/**
 * The README's test command (`deno task test`): runs every test with coverage
 * under the `test` permission set and enforces the coverage threshold.
 *
 * @module
 */

/** Minimum line coverage of `lib/`, `routes/`, `islands/` and the entry points. */
const LINE_COVERAGE_THRESHOLD = 80;

const deno = Deno.execPath();
const coverageDir = ".coverage";

async function run(args: string[]): Promise<{ code: number; stdout: string }> {
  const child = new Deno.Command(deno, {
    args,
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  return { code: out.code, stdout };
}

await Deno.remove(coverageDir, { recursive: true }).catch(() => {});
// the page's bundle first, once: the demo and plot tests run in parallel and
// serve it (a fresh clone has none; it is built, not committed)
const bundled = await new Deno.Command(deno, {
  args: ["task", "bundle"],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!bundled.success) Deno.exit(bundled.code || 1);
const testArgs = [
  "test",
  "-P=test",
  "--parallel",
  `--coverage=${coverageDir}`,
  ...Deno.args,
];
const test = new Deno.Command(deno, { args: testArgs }).spawn();
const status = await test.status;
if (!status.success) Deno.exit(status.code || 1);
if (Deno.args.length > 0) Deno.exit(0); // a filtered run: no coverage gate

/**
 * Drops the coverage files that do not parse. A child process killed as it
 * exits (the tests SIGKILL hung hooks and daemons on purpose) can leave its
 * file empty or cut, and one such file makes `deno coverage` fail outright.
 * That process's coverage is lost either way; the count is printed.
 */
function dropUnreadable(dir: string): number {
  let dropped = 0;
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const path = `${dir}/${entry.name}`;
    try {
      JSON.parse(Deno.readTextFileSync(path));
    } catch {
      Deno.removeSync(path);
      dropped++;
    }
  }
  return dropped;
}

const dropped = dropUnreadable(coverageDir);
if (dropped > 0) {
  console.log(
    `coverage: dropped ${dropped} unreadable file(s) of processes killed while writing them`,
  );
}
const report = await run([
  "coverage",
  coverageDir,
  "--exclude=tests/|bench/|tools/",
]);
console.log(report.stdout);
const all = report.stdout.split("\n").find((l) => /All files/.test(l));
const numbers = all?.match(/[\d.]+/g)?.map(Number) ?? [];
const lines = numbers.at(-1);
if (lines === undefined) {
  console.error("coverage: could not read the 'All files' line of the report");
  Deno.exit(1);
}
if (lines < LINE_COVERAGE_THRESHOLD) {
  console.error(
    `coverage: ${lines}% of lines covered; expected at least ${LINE_COVERAGE_THRESHOLD}%`,
  );
  Deno.exit(1);
}
console.log(
  `coverage: ${lines}% of lines (threshold ${LINE_COVERAGE_THRESHOLD}%)`,
);
