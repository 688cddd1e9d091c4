/** `fws ops db|display`: arguments, map files, channels and `--output`. */
import { opsText, parseOpsArgs } from "../../lib/ops/mod.ts";
import { ROOT, runCommand } from "../ship/support.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertThrows,
} from "../support/assert.ts";
import { UsageError } from "../../lib/cli.ts";

/** Runs `fws ops …` as the binary would (its permission set, restricted). */
function fwsOps(args: string[]) {
  return runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    "-P=fws",
    "main.ts",
    "ops",
    ...args,
  ]);
}

Deno.test("fws ops: bad arguments are one clear line each", () => {
  const bad: [string[], RegExp][] = [
    [["plot"], /unknown target 'plot'; expected db or display/],
    [["display"], /expected --index N \(the display names concrete PVs\)/],
    [["db", "--test-mode"], /expected --index N with --test-mode/],
    [["db", "--index", "100"], /--index: expected a whole number from 1 to 99/],
    [["db", "--struck-channels", ","], /expected a comma-separated list/],
    [["db", "--map", "a", "--pv-map", "b"], /expected one of them/],
  ];
  for (const [args, message] of bad) {
    const error = assertThrows(() => parseOpsArgs(args), message);
    assert(error instanceof UsageError, error.message);
  }
  assertEquals(parseOpsArgs(["db", "--help"]), "help");
});

Deno.test("fws ops db: concrete names, test mode and channels from the options", () => {
  const request = parseOpsArgs([
    "db",
    "--index",
    "3",
    "--test-mode",
    "--struck-channels",
    "PMT,PDB",
  ]);
  assert(request !== "help");
  const text = opsText(request);
  assertMatch(text, /record\(bo, "Test:FWS03:SCAN:START"\)/);
  assertMatch(text, /"Test:FWS03:FIT:PMT:OK"/);
  assert(!text.includes("FIT:PDT"));
  assert(!text.includes("$(P)"));
  assertMatch(text, /--index 3 --test-mode --struck-channels PMT,PDB/);
});

Deno.test("fws ops db --map and --output, run as the binary runs it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws_ops_cli_" });
  try {
    await Deno.writeTextFile(
      `${dir}/site.json`,
      JSON.stringify({ prefix: "LAB{N}:", pvs: { "scan.msg": "{P}MESSAGE" } }),
    );
    const out = await fwsOps([
      "db",
      "--index",
      "4",
      "--map",
      `${dir}/site.json`,
      "--output",
      `${dir}/fws.db`,
    ]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "");
    const text = await Deno.readTextFile(`${dir}/fws.db`);
    assertMatch(text, /record\(waveform, "LAB4:MESSAGE"\)/);
    const display = await fwsOps(["display", "--index", "1"]);
    assertEquals(display.code, 0, display.stderr);
    assertEquals(
      display.stdout,
      await Deno.readTextFile(`${ROOT}/ops/fws01.bob`),
    );
    const missing = await fwsOps(["db", "--map", `${dir}/none.json`]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /--map .*none\.json: cannot read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fws ops --output outside what this fws may write: one line, exit 1, stdout suggested", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws_ops_cli_" });
  try {
    const out = await runCommand(Deno.execPath(), [
      "run",
      "--no-prompt",
      "-R",
      `-W=${dir}/root`,
      "main.ts",
      "ops",
      "db",
      "--output",
      `${dir}/fws.db`,
    ]);
    assertEquals(out.code, 1);
    assertMatch(
      out.stderr,
      /fws ops: not allowed to write .*fws\.db \(use stdout: > .*fws\.db\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
