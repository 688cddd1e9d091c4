/**
 * The real subcommands under their deno.json permission sets and under the
 * `fws` union (what the compiled binary carries): a probe preloaded into the
 * process checks, while the subcommand runs, what it can still do.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
} from "../support/assert.ts";
import { ROOT, runCommand } from "./support.ts";
import { writeScanFile } from "../../lib/hdf5/mod.ts";
import { syntheticRun } from "../plot/fixture.ts";
import { commandNames } from "../../main.ts";
import { PERMISSION_PROFILES } from "../../lib/permissions.ts";

type Probe = Record<
  "read" | "write" | "run" | "runSelf" | "connect" | "connectRemote" | "listen",
  string
>;

/** A free TCP port on 127.0.0.1 (closed again: connecting to it is refused). */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts `main.ts <args>` under `-P=set` with the signal probe preloaded,
 * waits until its output matches `ready`, probes, stops it with SIGTERM.
 */
async function probeSubcommand(
  set: string,
  args: string[],
  options: {
    ready: RegExp;
    env?: Record<string, string>;
    tmp: string;
    /** Further deno flags (e.g. `--allow-run=<this deno>`). */
    flags?: string[];
    /** Called once ready, before the probe (e.g. to use the server). */
    onReady?: (output: string) => Promise<void>;
  },
): Promise<{ probe: Probe; code: number; output: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    cwd: ROOT,
    args: [
      "run",
      `--config=${ROOT}/deno.json`,
      `-P=${set}`,
      "--no-prompt",
      "--unstable-worker-options",
      "--preload=tests/ship/probes/signal_probe.ts",
      ...(options.flags ?? []),
      "main.ts",
      ...args,
    ],
    env: {
      NO_COLOR: "1",
      FWS_PROBE_TMP: options.tmp,
      FWS_PROBE_PORT: String(closedPort()),
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let probe: Probe | undefined;
  let signalled = false;
  let readyError: unknown;
  const { promise: done, resolve } = Promise.withResolvers<void>();
  const kill = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 60_000);
  const pump = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output += text;
      if (!signalled && options.ready.test(output)) {
        signalled = true;
        const before = options.onReady?.(output) ?? Promise.resolve();
        before.then(
          () => child.kill("SIGUSR2"),
          (error) => {
            readyError = error;
            child.kill("SIGTERM");
          },
        );
      }
      const m = output.match(/^PROBE (\{.*\})$/m);
      if (m && !probe) {
        probe = JSON.parse(m[1]);
        child.kill("SIGTERM");
        resolve();
      }
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = await child.status;
  clearTimeout(kill);
  await pumps;
  resolve();
  await done;
  if (readyError) throw readyError;
  if (!probe) {
    throw new Error(
      `main.ts ${
        args.join(" ")
      } under -P=${set} exited ${status.code} before it could be probed:\n${output}`,
    );
  }
  return { probe, code: status.code, output };
}

async function withTmp<T>(fn: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "fws_ship_sub_" }),
  );
  try {
    return await fn(tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

for (const set of ["sim", "fws"]) {
  Deno.test(`fws sim under -P=${set}: serving, it cannot write a file or start a process`, async () => {
    await withTmp(async (tmp) => {
      const udp = closedPort();
      const { probe } = await probeSubcommand(set, [
        "sim",
        "1",
        "--test-mode",
        "--port",
        String(udp),
        "--interface",
        "127.0.0.1",
      ], { ready: /Ctrl-C to stop/, tmp });
      assertEquals(probe.write, "NotCapable", "write");
      assertEquals(probe.run, "NotCapable", "run");
      assertEquals(probe.listen, "ok", "listen");
      assertNotEquals(probe.connect, "NotCapable", "connect");
    });
  });
}

for (const set of ["daemon", "fws"]) {
  Deno.test(`fws daemon under -P=${set}: running, it cannot start a process and writes inside its roots`, async () => {
    await withTmp(async (tmp) => {
      const { probe, output } = await probeSubcommand(set, [
        "1",
        "--test-mode",
        "--data-dir",
        `${tmp}/data/fws-01`,
        "--log-dir",
        `${tmp}/log/fws-01`,
      ], {
        ready: /started/,
        tmp,
        env: {
          FWS_DATA_ROOT: `${tmp}/data`,
          FWS_LOG_ROOT: `${tmp}/log`,
          EPICS_CA_ADDR_LIST: `127.0.0.1:${closedPort()}`,
          EPICS_CA_AUTO_ADDR_LIST: "NO",
        },
      });
      assertEquals(probe.run, "NotCapable", `run\n${output}`);
      assertEquals(probe.runSelf, "prompt", "not even itself");
      assertEquals(probe.read, "ok", "read");
      assertEquals(
        probe.write,
        "ok",
        "write (FWS_PROBE_TMP is the roots' parent: deno run grants it)",
      );
      assertEquals(probe.listen, "ok", "listen");
    });
  });
}

Deno.test("fws daemon --custom-callback under -P=fws granted its own deno: it may start itself, and no other program", async () => {
  await withTmp(async (tmp) => {
    const { probe, output } = await probeSubcommand("fws", [
      "1",
      "--test-mode",
      "--data-dir",
      `${tmp}/data/fws-01`,
      "--log-dir",
      `${tmp}/log/fws-01`,
      "--custom-callback",
      `${ROOT}/tests/daemon/fixtures/hooks_ok.js`,
    ], {
      ready: /started/,
      tmp,
      flags: [`--allow-run=${Deno.execPath()}`],
      env: {
        FWS_DATA_ROOT: `${tmp}/data`,
        FWS_LOG_ROOT: `${tmp}/log`,
        EPICS_CA_ADDR_LIST: `127.0.0.1:${closedPort()}`,
        EPICS_CA_AUTO_ADDR_LIST: "NO",
      },
    });
    assertEquals(probe.run, "NotCapable", `xdg-open revoked\n${output}`);
    assertEquals(probe.runSelf, "granted", `itself kept\n${output}`);
    assert(!/run inside the daemon/.test(output), output);
  });
});

Deno.test("fws daemon refuses data and log directories outside the write roots, through a symlink too, before writing anything", async () => {
  await withTmp(async (tmp) => {
    await Deno.mkdir(`${tmp}/root`);
    await Deno.mkdir(`${tmp}/outside`);
    await Deno.symlink(`${tmp}/outside`, `${tmp}/root/link`);
    const out = await runCommand(Deno.execPath(), [
      "run",
      `--config=${ROOT}/deno.json`,
      "-P=daemon",
      "--no-prompt",
      "main.ts",
      "1",
      "--test-mode",
      "--data-dir",
      `${tmp}/root/link/fws-01`,
      "--log-dir",
      `${tmp}/outside/log`,
    ], {
      env: {
        FWS_DATA_ROOT: `${tmp}/root`,
        FWS_LOG_ROOT: `${tmp}/root`,
        EPICS_CA_ADDR_LIST: "127.0.0.1:1",
        EPICS_CA_AUTO_ADDR_LIST: "NO",
      },
      timeoutMs: 30_000,
    });
    assertEquals(out.code, 2, out.stderr);
    const line = out.stderr.trim().split("\n").filter((l) =>
      !/Warning/.test(l)
    ).at(-1) ?? "";
    assertMatch(
      line,
      /data directory '.*\/root\/link\/fws-01' \(resolves to '.*\/outside\/fws-01'\) is outside the write root '.*\/root'/,
    );
    assertMatch(
      line,
      /log directory '.*\/outside\/log' is outside the write root/,
    );
    assertEquals(
      [...Deno.readDirSync(`${tmp}/outside`)].map((e) => e.name),
      [],
      "nothing written outside the roots",
    );
  });
});

for (const set of ["plot", "fws"]) {
  Deno.test(`fws plot under -P=${set}: serving, it cannot write a file, connect beyond loopback or start a process`, async () => {
    await withTmp(async (tmp) => {
      const file = await writeScanFile(
        `${tmp}/fws01_20261123_230000.h5`,
        syntheticRun({ scans: 2, samples: 200 }),
      );
      const { probe, output } = await probeSubcommand(set, [
        "plot",
        file,
        "PDB",
        "--no-open",
      ], {
        ready: /press Ctrl-C to stop/,
        tmp,
        onReady: async (text) => {
          const url = text.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
          const page = await fetch(url);
          assertEquals(page.status, 200);
          await page.body?.cancel();
        },
      });
      for (
        const name of ["read", "write", "run", "connect", "listen"] as const
      ) {
        assertEquals(probe[name], "NotCapable", `${name}\n${output}`);
      }
    });
  });
}

/** Runs `main.ts <args>` to its end with the probe preloaded; the UNLOAD line. */
async function probeAtExit(
  set: string,
  args: string[],
  options: { tmp: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ probe: Record<string, string>; code: number; output: string }> {
  const out = await runCommand(Deno.execPath(), [
    "run",
    `--config=${ROOT}/deno.json`,
    `-P=${set}`,
    "--no-prompt",
    "--unstable-worker-options",
    "--preload=tests/ship/probes/signal_probe.ts",
    "main.ts",
    ...args,
  ], {
    env: { FWS_PROBE_TMP: options.tmp, ...options.env },
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const output = out.stdout + out.stderr;
  const m = out.stdout.match(/^UNLOAD (\{.*\})$/m);
  if (!m) {
    throw new Error(
      `main.ts ${
        args.join(" ")
      } printed no UNLOAD line (exit ${out.code}):\n${output}`,
    );
  }
  return { probe: JSON.parse(m[1]), code: out.code, output };
}

Deno.test("fws inspect under the union: reading a file, it cannot write, listen or start a process", async () => {
  await withTmp(async (tmp) => {
    const file = await writeScanFile(
      `${tmp}/fws02_20261123_230000.h5`,
      syntheticRun({ scans: 1, samples: 100 }),
    );
    const { probe, code, output } = await probeAtExit(
      "fws",
      ["inspect", file],
      { tmp },
    );
    assertEquals(code, 0, output);
    for (const name of ["write", "run", "listen"]) {
      assertEquals(probe[name], "NotCapable", `${name}\n${output}`);
    }
  });
});

Deno.test("fws ca get under the union: it cannot write or start a process", async () => {
  await withTmp(async (tmp) => {
    const { probe, output } = await probeAtExit("fws", [
      "ca",
      "get",
      "FWS_SHIP:NOBODY",
    ], {
      tmp,
      env: {
        EPICS_CA_ADDR_LIST: `127.0.0.1:${closedPort()}`,
        EPICS_CA_AUTO_ADDR_LIST: "NO",
        EPICS_CA_CONN_TMO: "1",
      },
    });
    for (const name of ["write", "run"]) {
      assertEquals(probe[name], "NotCapable", `${name}\n${output}`);
    }
  });
});

Deno.test("fws demo --no-open under the union: after its scan it cannot start a process", async () => {
  await withTmp(async (tmp) => {
    const { probe, code, output } = await probeAtExit("fws", [
      "demo",
      "--no-open",
      "--data-dir",
      `${tmp}/data`,
    ], { tmp, timeoutMs: 120_000 });
    assertEquals(code, 0, output);
    assertEquals(probe.run, "NotCapable", `run\n${output}`);
    assertEquals(probe.write, "ok", "write");
  });
});

Deno.test("every subcommand has a permission profile that main.ts applies at start-up", () => {
  assertEquals(
    commandNames().sort(),
    Object.keys(PERMISSION_PROFILES).sort(),
  );
});
