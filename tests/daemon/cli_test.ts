import {
  daemonMain,
  daemonPvMap,
  fitModelOption,
} from "../../lib/daemon/cli.ts";
import { UsageError } from "../../lib/cli.ts";
import {
  closeLogging,
  log,
  LogDirError,
  parseLogLevel,
  prepareLogDir,
  setupLogging,
} from "../../lib/log.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../support/assert.ts";

Deno.test("daemon cli: --help prints usage and returns 0", async () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    assertEquals(await daemonMain(["--help"]), 0);
  } finally {
    console.log = original;
  }
  assertMatch(lines.join("\n"), /--custom-callback PATH/);
  assertMatch(lines.join("\n"), /--pv-map PATH/);
});

Deno.test("daemon cli: bad arguments are one clear UsageError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bad: [string[], RegExp][] = [
      [[], /missing scanner_index/],
      [["0"], /whole number from 1 to 99/],
      [["x1"], /whole number from 1 to 99/],
      [["1", "--bogus"], /bogus/],
      [["1", "--log-level", "loud"], /--log-level: expected trace, debug/],
      [["1", "--hook-timeout", "0"], /--hook-timeout/],
      [
        ["1", "--hook-memory", "8"],
        /--hook-memory: expected a whole number of MB from 16 to 65536, got '8'/,
      ],
      [["1", "--hook-memory", "lots"], /--hook-memory: expected a whole/],
      [
        ["1", "--beam-threshold", "-1"],
        /--beam-threshold: expected a number from 0 to 1000000, got '-1'/,
      ],
      [["1", "--resume-delay", "soon"], /--resume-delay: expected a number/],
      [
        ["1", "--max-pause", "1e9"],
        /--max-pause: expected a number from 0 to 86400/,
      ],
      [["1", "--pv-map", `${dir}/missing.json`], /--pv-map .*cannot read/],
      [
        ["1", "--min-beam-fraction", "2"],
        /--min-beam-fraction: expected a fraction between 0 and 1, got '2'/,
      ],
      [
        ["1", "--reject-outliers", "-3"],
        /--reject-outliers: expected a number above 0, got '-3'/,
      ],
      [["1", "--saturation", "max"], /--saturation: expected a signal level/],
      [
        ["1", "--fit-model", "cubic"],
        /--fit-model: 'cubic' asks for no model we fit; expected \[CH=\]MODEL with MODEL one of gauss, auto, gauss_linear/,
      ],
      [
        ["1", "--fit-model", "PDX=auto"],
        /--fit-model: 'PDX=auto' names no Struck channel; expected one of PDB, PDT/,
      ],
      [
        ["1", "--log-dir", "/dev/null/fws"],
        /cannot write the log directory \/dev\/null\/fws .*pass --log-dir PATH/,
      ],
      [
        ["1", "--log-dir", dir, "--data-dir", "/dev/null/data"],
        /cannot write the data directory .*pass --data-dir/,
      ],
    ];
    for (const [args, pattern] of bad) {
      const e = await assertRejects(() => daemonMain(args), pattern);
      assert(e instanceof UsageError, `${args.join(" ")}: ${e.message}`);
    }
    await Deno.writeTextFile(
      `${dir}/map.json`,
      JSON.stringify({ pvs: { "scan.nope": "X" } }),
    );
    await assertRejects(
      () => daemonMain(["1", "--pv-map", `${dir}/map.json`, "--log-dir", dir]),
      /unknown logical name 'scan\.nope'/,
    );
    await Deno.writeTextFile(`${dir}/map.json`, "{ not json");
    await assertRejects(
      () => daemonMain(["1", "--pv-map", `${dir}/map.json`]),
      /not valid JSON/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log: rotating file under the log dir, levels, unwritable dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = await setupLogging({
      logDir: `${dir}/logs`,
      level: "info",
      stderr: false,
    });
    assertEquals(file, `${dir}/logs/fws-daemon.log`);
    log("daemon").info("hello {who}", { who: "operator" });
    log("daemon").debug("not written");
    await closeLogging();
    const text = await Deno.readTextFile(file!);
    assertMatch(text, /hello "?operator"?/);
    assert(!text.includes("not written"));
    assertThrows(() => prepareLogDir("/dev/null/x"), /pass --log-dir PATH/);
    assert(
      assertThrows(() => prepareLogDir("/dev/null/x")) instanceof LogDirError,
    );
    assertEquals(parseLogLevel("WARN"), "warning");
    assertEquals(parseLogLevel("nope"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("daemon cli: --fit-model asks every channel or one, later values winning", () => {
  assertEquals(fitModelOption(["AUTO"], ["PDB", "PDT"]), {
    PDB: "auto",
    PDT: "auto",
  });
  assertEquals(
    fitModelOption(["auto", "PDT=Double_Gauss"], ["PDB", "PDT"]),
    { PDB: "auto", PDT: "double_gauss" },
  );
  assertEquals(fitModelOption(["PDB=gauss"], ["PDB", "PDT"]), {
    PDB: "gauss",
  });
});

Deno.test("daemon cli: --fit-model goes over the map file's models", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/map.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({ models: { PDB: "split_gauss", PDT: "q_gauss" } }),
    );
    const map = await daemonPvMap(1, {
      mapPath: path,
      fitModels: ["PDT=auto"],
    });
    assertEquals(map?.models, { PDB: "split_gauss", PDT: "auto" });
    assertEquals(
      (await daemonPvMap(1, { mapPath: path }))?.models,
      { PDB: "split_gauss", PDT: "q_gauss" },
    );
    assertEquals(await daemonPvMap(1, {}), undefined);
    await Deno.writeTextFile(
      path,
      JSON.stringify({ rejection: { outlier_k: 5, saturation: 4 } }),
    );
    assertEquals(
      (await daemonPvMap(1, {
        mapPath: path,
        rejection: { outlierK: 8, normalise: true },
      }))?.rejection,
      { outlierK: 8, saturation: 4, normalise: true },
    );
    assertEquals((await daemonPvMap(1, { fitModels: ["auto"] }))?.models, {
      PDB: "auto",
      PDT: "auto",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
