/**
 * The README's commands work: every command line of its "Commands" block
 * answers `--help` with its usage (exit 0), and the two `deno task` commands
 * it shows exist in deno.json.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { ROOT, runCommand } from "./support.ts";

/** The `fws …` lines of the README's first code block after "## Commands". */
function readmeCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf("## Commands"));
  const block = section.match(/```\n([\s\S]*?)```/)?.[1] ?? "";
  return block.split("\n").filter((l) => l.startsWith("fws"));
}

/** The arguments that ask a README command line for its help. */
export function helpArgs(line: string): string[][] {
  const words = line.split(/\s+/).slice(1);
  if (words[0] === "--help") return [["--help"], ["--version"]];
  if (words[0] === "<scanner_index>") return [["1", "--help"]];
  const command = words[0];
  const sub = words[1]?.includes("|") && !words[1].startsWith("<")
    ? words[1].split("|")
    : [];
  return [[command, "--help"], ...sub.map((s) => [command, s, "--help"])];
}

Deno.test("README: the two commands of 'Try it' are deno tasks", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const tasks = [...readme.matchAll(/npx -y deno@2\.9\.6 task (\w+)/g)].map(
    (m) => m[1],
  );
  assert(tasks.includes("demo") && tasks.includes("test"), tasks.join(" "));
  for (const task of tasks) assert(config.tasks[task], `task ${task}`);
});

Deno.test("docs pass arguments to deno tasks without a '--'", async () => {
  // `deno task X -- a` hands fws the '--' itself, which fws then refuses.
  const docs = [
    "README.md",
    ...[...Deno.readDirSync(`${ROOT}/docs`)].map((e) => `docs/${e.name}`),
  ];
  for (const doc of docs) {
    const text = await Deno.readTextFile(`${ROOT}/${doc}`);
    assertEquals(text.match(/task \w+ -- |`-- --/g), null, doc);
  }
});

Deno.test("README: every command it shows answers --help", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const lines = readmeCommands(readme);
  assert(lines.length >= 6, `commands found: ${lines.join(" / ")}`);
  const runs = lines.flatMap(helpArgs);
  const results = await Promise.all(
    runs.map((args) =>
      runCommand(Deno.execPath(), [
        "run",
        `--config=${ROOT}/deno.json`,
        "-P=fws",
        "--no-prompt",
        "--unstable-worker-options",
        "main.ts",
        ...args,
      ], { timeoutMs: 60_000 })
    ),
  );
  const failures = results.flatMap((out, i) =>
    out.code === 0 && /\S/.test(out.stdout) ? [] : [
      `fws ${runs[i].join(" ")}: exit ${out.code}: ${
        out.stderr.trim().split("\n").at(-1)
      }`,
    ]
  );
  assertEquals(failures, []);
  const version = results[runs.findIndex((a) => a[0] === "--version")];
  assertMatch(version.stdout, /^fws \d+\.\d+\.\d+/);
});

Deno.test("helpArgs: what each README line is asked", () => {
  assertEquals(helpArgs("fws --help | --version"), [["--help"], ["--version"]]);
  assertEquals(helpArgs("fws <scanner_index> [--test-mode]"), [[
    "1",
    "--help",
  ]]);
  assertEquals(helpArgs("fws plot <file.h5> <struck_channel>"), [[
    "plot",
    "--help",
  ]]);
  assertEquals(helpArgs("fws ca get|put PV..."), [
    ["ca", "--help"],
    ["ca", "get", "--help"],
    ["ca", "put", "--help"],
  ]);
});
