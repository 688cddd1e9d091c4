/**
 * Storage faults on real filesystems (a small tmpfs as the data directory;
 * root only, as in CI): the disk filling mid-request, the filesystem turning
 * read-only mid-request, and a request too large for the room left. Each
 * ends as ERROR with MSG naming the cause and the path, leaves a valid,
 * finalised file (read back by our reader and by h5py) holding what was
 * acquired, and the next request succeeds once the fault is cleared.
 */
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { missingReference, SYSTEM_PYTHON } from "../support/refs.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { FAST_SIM, FAST_TUNING, makeRig, type Rig, text } from "./rig.ts";
import { spawnDaemon } from "./subprocess.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { CAClient } from "../../lib/ca/mod.ts";
import { type LogicalName, SCAN_STATES } from "../../lib/pvmap/mod.ts";

/** Root, and this machine lets root mount a tmpfs (CI does). */
function canMount(): boolean {
  try {
    if (Deno.uid() !== 0) return false;
    const dir = Deno.makeTempDirSync({ prefix: "fws-mount-probe-" });
    const mount = new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir],
      stderr: "null",
    }).outputSync();
    if (mount.success) {
      new Deno.Command("umount", { args: [dir] }).outputSync();
    }
    Deno.removeSync(dir);
    if (!mount.success) {
      console.error("storage tests: cannot mount a tmpfs here; ignored");
    }
    return mount.success;
  } catch {
    return false;
  }
}

async function run(cmd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** A tmpfs of `size` mounted for `fn`, unmounted whatever happens. */
async function withTmpfs(
  size: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fws-tmpfs-" });
  await run("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir);
  try {
    await fn(dir);
  } finally {
    await run("umount", "-l", dir).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** h5py's view of a file: its status and scan groups. */
async function h5pyView(
  path: string,
): Promise<{ status: string; scans: string[] }> {
  const out = await new Deno.Command(SYSTEM_PYTHON, {
    args: [
      "-c",
      `import h5py, json, sys
f = h5py.File(sys.argv[1], "r")
s = f.attrs["status"]
print(json.dumps({"status": s.decode() if isinstance(s, bytes) else str(s),
  "scans": sorted(k for k in f.keys() if k.startswith("scan_"))}))`,
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Fills `dir` to the last byte. */
async function fill(dir: string): Promise<void> {
  const f = await Deno.open(`${dir}/filler`, { write: true, create: true });
  const block = new Uint8Array(64 * 1024);
  try {
    for (;;) await f.write(block);
  } catch {
    // full
  } finally {
    f.close();
  }
}

const REQUEST = {
  mode: 0,
  startPos: -3,
  endPos: 3,
  nSteps: 30,
  nScans: 12,
  settle: 0,
};

const FLY_REQUEST = {
  mode: "FLY",
  startPos: -3,
  endPos: 3,
  speed: 20,
  nScans: 12,
  bidir: 1,
  settle: 0,
};

async function states(rig: Rig, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const sub = rig.ca.monitor(rig.pv("scan.state"), (v) => {
    seen.push(String(v.value));
  });
  try {
    await fn();
  } finally {
    sub.cancel();
  }
  return seen;
}

const mountable = canMount();
const ignore = !mountable || missingReference("h5py");

for (const mode of ["step", "fly"] as const) {
  Deno.test({
    name:
      `storage (${mode}): the disk filling mid-request ends it as ERROR naming the cause; the file holds every scan written before`,
    ignore,
    async fn() {
      await withTmpfs(mode === "step" ? "4m" : "8m", async (dataDir) => {
        const rig = await makeRig({
          sim: { samplesPerStep: 200, acquisitionTime: 0.002 },
          daemon: { dataDir },
        });
        try {
          await rig.setInputs(mode === "step" ? REQUEST : FLY_REQUEST);
          const outcome = rig.nextOutcome(60);
          await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
          // two repetitions in the file, then the disk is full
          await rig.waitFor(
            "scan.msg",
            (v) => /scan_003/.test(text(v)),
          );
          await fill(dataDir);
          const o = await outcome;
          assertEquals(o.status, "error");
          assertMatch(
            o.message,
            new RegExp(
              `^no space left on device: ${dataDir} \\(scan_00(\\d) not saved; scan_001–scan_00\\d in ${dataDir}/fws07_\\d{8}_\\d{6}\\.h5\\)`,
            ),
          );
          assertEquals(await rig.state(), "ERROR");
          const lost = Number(/scan_00(\d) not saved/.exec(o.message)![1]);
          assert(lost < REQUEST.nScans, "the request stopped at once");
          const file = /in (\S+\.h5)\)/.exec(o.message)![1];
          assert(!file.endsWith(".partial"));
          const r = await readScanFile(file);
          assertEquals(r.status, "error");
          assertEquals(r.scans.length, lost - 1);
          const py = await h5pyView(file);
          assertEquals(py.status, "error");
          assertEquals(py.scans.length, lost - 1);
          assertEquals(
            [...Deno.readDirSync(dataDir)].filter((e) =>
              e.name.endsWith(".partial")
            ).length,
            0,
            "no .partial left behind",
          );
          // the fault cleared, the next request works
          await Deno.remove(`${dataDir}/filler`);
          const next = await rig.request(
            { ...(mode === "step" ? REQUEST : FLY_REQUEST), nScans: 1 },
            60,
          );
          assertEquals(next.status, "completed", next.message);
          assertEquals((await readScanFile(next.file)).scans.length, 1);
        } finally {
          await rig.close();
        }
      });
    },
  });
}

Deno.test({
  name:
    "storage: beyond the memory held, the repetitions only on disk stay in the damaged file, named in MSG; the rest is spilled",
  ignore,
  async fn() {
    await withTmpfs("4m", async (dataDir) => {
      const spillDir = await Deno.makeTempDir({ prefix: "fws-spill-" });
      const rig = await makeRig({
        sim: { samplesPerStep: 200, acquisitionTime: 0.002 },
        // hold only the newest written repetition
        daemon: {
          dataDir,
          spillDir,
          tuning: { ...FAST_TUNING, maxHeldBytes: 1 },
        },
      });
      try {
        await rig.setInputs(REQUEST);
        const outcome = rig.nextOutcome(60);
        await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
        await rig.waitFor("scan.msg", (v) => /scan_004/.test(text(v)));
        await fill(dataDir);
        const o = await outcome;
        assertEquals(o.status, "error");
        const damaged = /only in the damaged (\S+\.damaged);/.exec(o.message)
          ?.[1];
        assert(damaged, o.message);
        assert((await Deno.stat(damaged)).size > 0, "the damaged file is kept");
        assertMatch(
          o.message,
          /\(scan_001(–scan_00\d)? only in the damaged \S+; scan_00\d–scan_00\d saved to the spill directory: \S+\.h5\)/,
        );
        const spilled = /spill directory: (\S+\.h5)\)/.exec(o.message)![1];
        const r = await readScanFile(spilled);
        assertEquals(r.scans.length, 2, "the one held and the one not saved");
      } finally {
        await rig.close();
        await Deno.remove(spillDir, { recursive: true });
      }
    });
  },
});

Deno.test({
  name:
    "storage: the data directory removed mid-request sends the request to the spill directory",
  ignore,
  async fn() {
    await withTmpfs("8m", async (mount) => {
      const dataDir = `${mount}/data`;
      await Deno.mkdir(dataDir);
      const spillDir = `${mount}/log/spill`;
      const rig = await makeRig({
        sim: { acquisitionTime: 0.002 },
        daemon: { dataDir, spillDir },
      });
      try {
        let o;
        const seen = await states(rig, async () => {
          await rig.setInputs(REQUEST);
          const outcome = rig.nextOutcome(60);
          await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
          await rig.waitFor(
            "scan.msg",
            (v) => /scan_002 step 1\//.test(text(v)),
          );
          await Deno.remove(dataDir, { recursive: true });
          o = await outcome;
        });
        assertEquals(o!.status, "error");
        assertMatch(
          o!.message,
          new RegExp(
            `^the directory is gone: ${dataDir} \\(scan_001–scan_00\\d saved to the spill directory: ${spillDir}/fws07_\\d{8}_\\d{6}\\.h5\\)`,
          ),
        );
        assertEquals(await rig.state(), "ERROR");
        assert(seen.length > 3, `states seen: ${seen}`);
        const file = /spill directory: (\S+\.h5)\)/.exec(o!.message)![1];
        const r = await readScanFile(file);
        assertEquals(r.status, "error");
        assert(r.scans.length >= 2, `${r.scans.length} scans spilled`);
        assert(r.scans.length < REQUEST.nScans, "the request stopped at once");
        assertEquals((await h5pyView(file)).status, "error");
        // the directory back, the next request works
        await Deno.mkdir(dataDir);
        const next = await rig.request({ ...REQUEST, nScans: 1 }, 60);
        assertEquals(next.status, "completed", next.message);
      } finally {
        await rig.close();
      }
    });
  },
});

Deno.test({
  name:
    "storage: the data filesystem remounted read-only mid-request ends it as ERROR and spills what it could not write",
  ignore,
  async fn() {
    await withTmpfs("8m", async (dataDir) => {
      const spillDir = await Deno.makeTempDir({ prefix: "fws-spill-" });
      const rig = await makeRig({
        sim: { acquisitionTime: 0.002 },
        daemon: { dataDir, spillDir },
      });
      try {
        let o;
        const seen = await states(rig, async () => {
          await rig.setInputs(REQUEST);
          const outcome = rig.nextOutcome(60);
          await rig.ca.put(rig.pv("scan.start"), 1, { wait: true });
          await rig.waitFor(
            "scan.msg",
            (v) => /scan_003 step 1\//.test(text(v)),
          );
          // a filesystem with a file open for writing cannot be remounted
          // read-only ("busy"): a read-only bind mount over the directory
          // turns every later open, create and rename there into EROFS
          await run("mount", "--bind", dataDir, dataDir);
          await run("mount", "-o", "remount,bind,ro", dataDir);
          o = await outcome;
        });
        assertEquals(o!.status, "error");
        assertMatch(
          o!.message,
          new RegExp(
            `^read-only file system: ${dataDir} \\(.*saved to the spill directory: ${spillDir}/fws07_\\d{8}_\\d{6}\\.h5\\)`,
          ),
        );
        assertEquals(await rig.state(), "ERROR");
        assert(seen.length > 3, `states seen: ${seen}`);
        const file = /spill directory: (\S+\.h5)\)/.exec(o!.message)![1];
        const r = await readScanFile(file);
        assertEquals(r.status, "error");
        assert(r.scans.length >= 2, `${r.scans.length} scans spilled`);
        assert(r.scans.length < REQUEST.nScans, "the request stopped at once");
        assertEquals((await h5pyView(file)).status, "error");
        // writable again, the next request works
        await run("umount", dataDir);
        const next = await rig.request({ ...REQUEST, nScans: 1 }, 60);
        assertEquals(next.status, "completed", next.message);
      } finally {
        await rig.close();
        await Deno.remove(spillDir, { recursive: true });
      }
    });
  },
});

Deno.test({
  name:
    "storage: a request the data directory cannot hold is refused before anything moves",
  ignore: !mountable,
  async fn() {
    await withTmpfs("512k", async (dataDir) => {
      const rig = await makeRig({
        sim: { samplesPerStep: 500 },
        daemon: { dataDir },
      });
      try {
        // one acquisition so the step size is known, then a large request
        await rig.ca.put(rig.pv("daq.acquire"), 1, { wait: true });
        const rbv = (await rig.ca.get(rig.pv("motor.rbv"))).value;
        const o = await rig.request({ ...REQUEST, nSteps: 200, nScans: 10 });
        assertEquals(o.status, "error");
        assertMatch(
          o.message,
          new RegExp(
            `^request rejected: not enough space in ${dataDir}: the request needs about [\\d.]+ MB, \\d+ kB free`,
          ),
        );
        assertEquals((await rig.ca.get(rig.pv("motor.rbv"))).value, rbv);
        assertEquals([...Deno.readDirSync(dataDir)].length, 0);
        // and a data directory that is gone is refused by name
        await run("umount", dataDir);
        await Deno.remove(dataDir, { recursive: true });
        const gone = await rig.request({ ...REQUEST, nScans: 1 });
        assertMatch(gone.message, /request rejected: the directory is gone: /);
        await Deno.mkdir(dataDir);
        await run("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", dataDir);
      } finally {
        await rig.close();
      }
    });
  },
});

Deno.test({
  name:
    "storage: a full log filesystem never stops a scan; the daemon says once on stderr that file logging stopped",
  ignore: !mountable,
  async fn() {
    await withTmpfs("256k", async (logMount) => {
      const sim = await startSimulator({
        scannerIndex: 6,
        testMode: true,
        ...FAST_SIM,
      });
      const dataDir = await Deno.makeTempDir({ prefix: "fws-data-" });
      const daemon = spawnDaemon([
        "6",
        "--test-mode",
        "--data-dir",
        dataDir,
        "--log-dir",
        `${logMount}/log`,
        // a line per step: enough to need more than the file's last page
        "--log-level",
        "debug",
      ], { addrList: sim.addrList });
      const ca = new CAClient({ addrList: sim.addrList, autoAddrList: false });
      try {
        const pv = (l: LogicalName) => sim.interface.requirePv(l);
        await waitUntil(() => /watching/.test(daemon.stderr()), 20);
        await fill(logMount);
        await ca.put(pv("scan.nScans"), 3, { wait: true });
        await ca.put(pv("scan.nSteps"), 40, { wait: true });
        // the request's final state, as STATE reaches it (the log's
        // "request finished" comes before the status PVs are written)
        const final = Promise.withResolvers<string>();
        const sub = ca.monitor(pv("scan.state"), (v) => {
          const s = SCAN_STATES[v.value as number];
          if (s === "DONE" || s === "ERROR") final.resolve(s);
        });
        let state: string;
        try {
          await ca.put(pv("scan.start"), 1, { wait: true });
          const timer = setTimeout(
            () =>
              final.reject(new Error(`no final state:\n${daemon.stderr()}`)),
            30_000,
          );
          state = await final.promise.finally(() => clearTimeout(timer));
        } finally {
          sub.cancel();
        }
        assertEquals(state, "DONE", daemon.stderr());
        const told = daemon.stderr().match(/file logging to .* stopped/g) ?? [];
        assertEquals(told.length, 1, daemon.stderr());
        assertMatch(daemon.stderr(), /stopped \(no space left on device\)/);
      } finally {
        await ca.close();
        daemon.child.kill("SIGTERM");
        await daemon.exited(10);
        await sim.close();
        await Deno.remove(dataDir, { recursive: true });
      }
    });
  },
});

async function waitUntil(ok: () => boolean, timeout: number): Promise<void> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeout * 1000) {
      throw new Error(`not within ${timeout} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
