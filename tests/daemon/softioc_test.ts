/**
 * The daemon against a real EPICS IOC (softIoc from EPICS base) loaded with
 * the generated `ops/fws.db` (the daemon's own records) and plain records
 * standing in for the FWS hardware, onto which a `--pv-map` file maps the
 * motor, DAQ and beam PVs. The request is set and triggered with EPICS's own
 * `caput`, the results are read with `caget` (the fit, and the live view's
 * LIVE:POS/LIVE:PDB equal to the file's profile).
 */
import { startDaemon } from "../../lib/daemon/mod.ts";
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { profileOf } from "../../lib/analysis/profile.ts";
import { missingReference } from "../support/refs.ts";
import { caget, caput, SoftIoc } from "../support/epics.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

const HARDWARE = new URL("./fixtures/fws_softioc.db", import.meta.url)
  .pathname;
const FWS_DB = new URL("../../ops/fws.db", import.meta.url).pathname;

const MAP = {
  prefix: "SIOC{NN}:",
  channels: { struck: ["PDB"], iops: ["ch1"] },
  pvs: {
    "motor.val": "{P}WIRE:SET",
    "motor.rbv": "{P}WIRE:RBV",
    "motor.dmov": null,
    "motor.velo": "{P}WIRE:VELO",
    "motor.vmax": "{P}WIRE:VMAX",
    "motor.hlm": "{P}WIRE:HLM",
    "motor.llm": "{P}WIRE:LLM",
    "motor.stop": "{P}WIRE:STOP",
    "motor.egu": null,
    "daq.acquire": "{P}DAQ:TRIG",
    "iops.ch1": "{P}WIRE:RBV",
    "idc.current": null,
    "beam.energy": null,
  },
};

Deno.test({
  name: "daemon against softIoc with a --pv-map file, driven by caput/caget",
  ignore: missingReference("epics"),
  async fn() {
    const ioc = await SoftIoc.start({
      db: FWS_DB,
      moreDbs: [HARDWARE],
      macros: { P: "SIOC03:" },
    });
    const dir = await Deno.makeTempDir({ prefix: "fws-softioc-" });
    await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify(MAP));
    const daemon = await startDaemon({
      scannerIndex: 3,
      dataDir: dir,
      pvMap: `${dir}/map.json`,
      ca: { addrList: [`127.0.0.1:${ioc.port}`], autoAddrList: false },
    });
    const tool = { port: ioc.port };
    try {
      const done = new Promise<void>((resolve) => {
        const off = daemon.bridge.onRequestFinished(() => {
          off();
          resolve();
        });
      });
      // No wait for the daemon's subscription: a monitor's first event is
      // the current value, so a START=1 put before it is still seen.
      const request: [string, string][] = [
        ["SCAN:START_POS", "-4"],
        ["SCAN:END_POS", "4"],
        ["SCAN:NSTEPS", "33"],
        ["SCAN:SETTLE", "0"],
        ["SCAN:USER", "softioc"],
        ["SCAN:COMMENT", "generated records"],
      ];
      for (const [record, value] of request) {
        const set = await caput([`SIOC03:${record}`, value], tool);
        assert(set.success, set.stderr);
      }
      const put = await caput(["SIOC03:SCAN:START", "1"], tool);
      assert(put.success, put.stderr);
      await done;
      const state = await caget(["-t", "SIOC03:SCAN:STATE"], tool);
      const shown = await caget(["-t", "-S", "SIOC03:SCAN:MSG"], tool);
      assertEquals(state.stdout.trim(), "DONE", shown.stdout);
      const fit = await caget(
        [
          "-t",
          "SIOC03:FIT:PDB:CENTER",
          "SIOC03:FIT:PDB:SIGMA",
          "SIOC03:FIT:PDB:OK",
        ],
        tool,
      );
      const [center, sigma, ok] = fit.stdout.trim().split(/\s+/);
      assertEquals(ok, "OK");
      assert(Math.abs(Number(center) - 0.4) < 0.01, `centre ${center}`);
      assert(Math.abs(Number(sigma) - 1.1) < 0.01, `sigma ${sigma}`);
      const file = await caget(["-t", "-S", "SIOC03:SCAN:FILE"], tool);
      const path = file.stdout.trim();
      assertMatch(path, /fws03_\d{8}_\d{6}\.h5$/);
      const run = await readScanFile(path);
      assertEquals(run.status, "completed");
      assertEquals(run.user, "softioc");
      assertEquals(run.scans[0].positionsPlanned.length, 33);
      const msg = await caget(["-t", "-S", "SIOC03:SCAN:MSG"], tool);
      assertEquals(msg.stdout.trim(), "completed 1 scan; file " + path);
      const alarms = await caget(
        ["-a", "SIOC03:FIT:PDB:OK", "SIOC03:SCAN:STATE"],
        tool,
      );
      assert(!/MAJOR|INVALID/.test(alarms.stdout), alarms.stdout);
      // the live view on softIoc's own waveform records: the file's profile
      // (caget reads NELM elements; NORD says how many are the profile)
      const live = await caget([
        "-t",
        "-g17",
        "SIOC03:LIVE:POS.NORD",
        "SIOC03:LIVE:PDB.NORD",
        "SIOC03:LIVE:REP",
        "SIOC03:LIVE:POS",
        "SIOC03:LIVE:PDB",
      ], tool);
      const [nPos, nPdb, rep, pos, pdb] = live.stdout.trim().split("\n").map(
        (l) => l.trim().split(/\s+/).map(Number),
      );
      const profile = profileOf(run.scans[0], "PDB", "ch1");
      assertEquals([nPos[0], nPdb[0], rep[0]], [33, 33, 1], live.stdout);
      assertEquals(pos.slice(1, 34), Array.from(profile.x));
      assertEquals(pdb.slice(1, 34), Array.from(profile.y));
      const start = await caget(["-t", "SIOC03:SCAN:START"], tool);
      assertEquals(start.stdout.trim(), "Idle");
    } finally {
      await daemon.stop();
      await ioc.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
