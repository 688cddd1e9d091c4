import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  compileFlags,
  entrySource,
  type PermissionSet,
  unionProblems,
} from "../../tools/gen_compile_args.ts";
import { ROOT, runCommand } from "./support.ts";

const TARGET = Deno.build.target;
const HELP = new RegExp(
  `set DENORT_BIN to the Deno runtime base 'denort' of Deno 2\\.9\\.6 for ${TARGET}: on a connected machine download https://dl\\.deno\\.land/release/v2\\.9\\.6/denort-${TARGET}\\.zip`,
);

async function compile(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
) {
  const out = await runCommand("bash", ["compile.sh", ...args], {
    env: { DENORT_BIN: "", ...env },
    timeoutMs,
  });
  return out;
}

/** The last line compile.sh printed on stderr (its one clear message). */
function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

Deno.test("compile.sh without network and without DENORT_BIN stops quickly with exit 3 and says what to set", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "fws_ship_denodir_" });
  const output = `${denoDir}/fws`;
  try {
    const started = performance.now();
    // an empty DENO_DIR (no cached runtime base) and a proxy that refuses:
    // offline on any machine
    const out = await compile(["--output", output], {
      DENO_DIR: denoDir,
      HTTPS_PROXY: "http://127.0.0.1:1",
      https_proxy: "http://127.0.0.1:1",
      FWS_DOWNLOAD_TIMEOUT: "5",
    }, 30_000);
    assertEquals(out.code, 3, out.stderr);
    const line = lastLine(out.stderr);
    assertMatch(
      line,
      new RegExp(
        `^compile\\.sh: cannot download the Deno runtime base from https://dl\\.deno\\.land/release/v2\\.9\\.6/denort-${TARGET}\\.zip \\(.+\\) and DENORT_BIN is not set; `,
      ),
    );
    assertMatch(line, HELP);
    assert(performance.now() - started < 25_000, "must not hang");
    assertEquals(await exists(output), false);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test("compile.sh refuses a DENORT_BIN that is not a runtime base, with exit 3", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws_ship_denort_" });
  try {
    const text = `${dir}/denort`;
    await Deno.writeTextFile(text, "#!/bin/sh\necho not a runtime\n");
    await Deno.chmod(text, 0o755);
    const cases: [string, string[], RegExp][] = [
      [
        text,
        [],
        /^compile\.sh: DENORT_BIN='.*\/denort' is not a Deno runtime base: not an executable \(no ELF, Mach-O or PE header\); set DENORT_BIN/,
      ],
      [
        `${dir}/missing`,
        [],
        /^compile\.sh: DENORT_BIN='.*\/missing' is not a readable file; set DENORT_BIN/,
      ],
      [
        Deno.execPath(),
        [],
        /^compile\.sh: DENORT_BIN='.*' is the deno CLI \(deno 2\.9\.6.*\), not the runtime base 'denort'; set DENORT_BIN/,
      ],
      [
        "/usr/bin/true",
        ["--target", "aarch64-apple-darwin"],
        /^compile\.sh: DENORT_BIN='\/usr\/bin\/true' is a ELF executable, but target aarch64-apple-darwin needs Mach-O; set DENORT_BIN to the Deno runtime base 'denort' of Deno 2\.9\.6 for aarch64-apple-darwin/,
      ],
    ];
    for (const [bin, args, expected] of cases) {
      const out = await compile([...args, "--output", `${dir}/fws`], {
        DENORT_BIN: bin,
      });
      assertEquals(out.code, 3, `${bin}: ${out.stderr}`);
      assertMatch(lastLine(out.stderr), expected);
    }
    assertEquals(await exists(`${dir}/fws`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile.sh runs the whole build with an ELF that is no runtime base, then refuses the result (exit 3, nothing left)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fws_ship_build_" });
  try {
    const out = await compile(["--output", `${dir}/fws`], {
      DENORT_BIN: "/usr/bin/true",
      // the plot tests read static/islands/ in parallel: do not rewrite it
      FWS_SKIP_BUNDLE: "1",
      FWS_DATA_ROOT: "/srv/fws/data",
      FWS_LOG_ROOT: "/srv/fws/log",
      FWS_INSTALL_PATH: "/srv/fws/bin/fws",
    }, 240_000);
    assertEquals(out.code, 3, out.stderr);
    const line = out.stdout.split("\n").find((l) =>
      l.includes("deno compile")
    ) ?? "";
    for (
      const flag of [
        "--allow-read",
        "--allow-write=/srv/fws/data,/srv/fws/log",
        "--allow-net",
        // the openers, and the binary itself for custom-callback calls
        "--allow-run=xdg-open,open,/srv/fws/bin/fws",
      ]
    ) {
      assert(line.split(" ").includes(flag), `${flag} in ${line}`);
    }
    assert(!/--allow-all|(^| )-A( |$)/.test(out.stdout), "never -A");
    assertMatch(
      lastLine(out.stderr),
      /^compile\.sh: the binary built from \/usr\/bin\/true does not run fws \(--version printed 'true \(GNU coreutils\) [\d.]+'\): it is not the runtime base 'denort' of Deno 2\.9\.6; set DENORT_BIN/,
    );
    assertEquals(await exists(`${dir}/fws`), false);
    const entry = await Deno.readTextFile(`${ROOT}/dist/build/fws_main.ts`);
    assertMatch(
      entry,
      /bakeWriteRoots\(\{"data":"\/srv\/fws\/data","log":"\/srv\/fws\/log"\}\);/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile.sh: bad arguments exit 2, --help exits 0, relative roots are refused", async () => {
  const bogus = await compile(["--bogus"], {});
  assertEquals(bogus.code, 2);
  assertEquals(
    lastLine(bogus.stderr),
    "compile.sh: unknown argument '--bogus'; expected --target TRIPLE, --output PATH or --help",
  );
  const help = await compile(["--help"], {});
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /DENORT_BIN/);
  const relative = await compile([], { FWS_DATA_ROOT: "data" });
  assertEquals(relative.code, 2);
  assertMatch(lastLine(relative.stderr), /must be absolute paths; got 'data'/);
  const install = await compile([], { FWS_INSTALL_PATH: "bin/fws" });
  assertEquals(install.code, 2);
  assertMatch(
    lastLine(install.stderr),
    /FWS_INSTALL_PATH must be absolute paths; got 'bin\/fws'/,
  );
});

Deno.test("the fws set of deno.json is the union of the daemon, plot and sim sets", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  assertEquals(unionProblems(config.permissions), []);
  assert(config.permissions.fws.all === undefined, "never -A");
});

Deno.test("gen_compile_args: union problems, narrowed write, no -A", () => {
  const sets: Record<string, PermissionSet> = {
    fws: { read: true, net: ["127.0.0.1"], run: ["xdg-open"] },
    daemon: { read: true, write: true },
    plot: { net: ["127.0.0.1", "localhost"], run: ["xdg-open", "open"] },
    sim: { net: { allow: true } },
  };
  assertEquals(unionProblems(sets), [
    "deno.json: the 'fws' set must grant write (everything) (the 'daemon' set does)",
    "deno.json: the 'fws' set must grant net localhost (the 'plot' set does)",
    "deno.json: the 'fws' set must grant run open (the 'plot' set does)",
    "deno.json: the 'fws' set must grant net (everything) (the 'sim' set does)",
  ]);
  assertEquals(unionProblems({ daemon: {} }), [
    "deno.json: no 'fws' permission set (the union of daemon, plot, sim)",
  ]);
  assertEquals(
    compileFlags(
      {
        read: true,
        write: ["/tmp"],
        net: { allow: true, deny: ["10.0.0.1"] },
        env: false,
        run: ["xdg-open", "open"],
      },
      { data: "/d", log: "/d" },
    ),
    [
      "--allow-read",
      "--allow-write=/d",
      "--allow-net",
      "--deny-net=10.0.0.1",
      "--allow-run=xdg-open,open",
    ],
  );
  assertEquals(
    compileFlags(
      { read: true, run: ["xdg-open", "open"] },
      { data: "/d", log: "/l" },
      "/opt/fws/bin/fws",
    ),
    ["--allow-read", "--allow-run=xdg-open,open,/opt/fws/bin/fws"],
    "the install path joins the run list: the daemon may start itself",
  );
  let message = "";
  try {
    compileFlags({ all: true }, { data: "/d", log: "/l" });
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /must not grant 'all' \(never -A\)/);
  assertMatch(
    entrySource({ data: "/d", log: "/l" }),
    /Deno\.exit\(await main\(Deno\.args, \{ restrict: true \}\)\);/,
  );
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
