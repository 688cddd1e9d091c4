/**
 * The daemon against a real EPICS IOC (softIoc from EPICS base): plain
 * records stand in for the FWS hardware and a `--pv-map` file maps the
 * daemon's logical PVs onto them. The request is triggered with EPICS's own
 * `caput`, the results are read with `caget`.
 */
import { startDaemon } from "../../lib/daemon/mod.ts";
import { readScanFile } from "../../lib/hdf5/mod.ts";
import { missingReference } from "../support/refs.ts";
import { caget, caput, SoftIoc } from "../support/epics.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

const DB = new URL("./fixtures/fws_softioc.db", import.meta.url).pathname;

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
    const ioc = await SoftIoc.start({ db: DB, macros: { P: "SIOC03:" } });
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
      // give the daemon its subscription before the request
      for (let i = 0; i < 50 && daemon.bridge.status.state !== "IDLE"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
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
      const msg = await caget(["-t", "SIOC03:SCAN:MSG"], tool);
      assertEquals(
        msg.stdout.trim(),
        "completed 1 scan; file " + path.slice(0, 16),
      );
      const start = await caget(["-t", "SIOC03:SCAN:START"], tool);
      assertEquals(start.stdout.trim(), "Idle");
    } finally {
      await daemon.stop();
      await ioc.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
