/**
 * `fws plot --live` as a subprocess under the `plot` permission set,
 * following a `fws sim` of this test process over real Channel Access on
 * loopback: usage errors; it serves the live page and its event stream; the
 * serving thread (the live server's Worker) holds no write, run, env, sys or
 * ffi, reaches loopback and the search address only, and a write there is
 * refused; the main thread holds nothing once serving.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { decodeSse } from "../../islands/shared/live_events.ts";
import { startLiveDriver } from "./live_driver.ts";
import { writeScanFile } from "../../lib/hdf5/mod.ts";
import { syntheticRun } from "./fixture.ts";
import { ensureBundle, runPlot, startPlotProcess, withTmp } from "./support.ts";

Deno.test("fws plot --live: usage and bad arguments", async () => {
  const help = await runPlot(["--live", "--help"]);
  assertEquals(help.code, 0);
  assertMatch(help.stdout, /Usage: fws plot --live <scanner_index>/);
  const bad = await runPlot(["--live", "100"]);
  assertEquals(bad.code, 2);
  const ch = await runPlot(["--live", "7", "--struck-channel", "XYZ"]);
  assertEquals(ch.code, 2);
  assertMatch(
    ch.stderr,
    /struck channel 'XYZ' is not in the PV map; expected one of PDB, PDT/,
  );
  const map = await runPlot(["--live", "7", "--pv-map", "/nonexistent.json"]);
  assertEquals(map.code, 2);
  assertMatch(map.stderr, /--pv-map \/nonexistent\.json: cannot read/);
});

Deno.test({
  name:
    "fws plot --live under -P=plot: follows the sim, loads the finished file, its server holds no write, run, env, sys or ffi",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureBundle();
    const driver = await startLiveDriver();
    await driver.state("ACQUIRING");
    const plot = await startPlotProcess(
      ["--live", "7", "--test-mode", "--no-open"],
      {
        env: {
          EPICS_CA_ADDR_LIST: driver.addrList.join(" "),
          EPICS_CA_AUTO_ADDR_LIST: "NO",
        },
      },
    );
    try {
      assertMatch(plot.output(), /following Test:FWS07: live at http/);
      const page = await (await fetch(plot.url)).text();
      assertMatch(page, /FWS07/);
      assertMatch(page, /data-island="LiveView"/);
      // the event stream: a snapshot with the state read over CA
      const res = await fetch(`${plot.url}api/live`);
      assertMatch(res.headers.get("content-type") ?? "", /text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!/"state":"ACQUIRING"/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      await reader.cancel();
      const events = decodeSse(text);
      assertEquals(events[0].type, "snapshot");
      assertMatch(text, /"state":"ACQUIRING"/);
      const status = await (await fetch(`${plot.url}api/status`)).json();
      for (const name of ["write", "env", "sys", "run", "ffi"]) {
        assert(
          status.permissions[name] !== "granted",
          `${name} is ${status.permissions[name]}`,
        );
      }
      assertEquals(
        status.permissions.read,
        "granted",
        "to read the finished file",
      );
      assertEquals(status.network, {
        loopback: "granted",
        elsewhere: "prompt",
      });
      // the request ends: the Worker reads the finished file itself
      await withTmp(async (dir) => {
        const file = await writeScanFile(
          `${dir}/fws07_20261202_160000.h5`,
          syntheticRun({ scans: 2, samples: 200 }),
        );
        const res = await fetch(`${plot.url}api/live`);
        const reader = res.body!.pipeThrough(new TextDecoderStream())
          .getReader();
        await driver.state("WRITING");
        await driver.put("scan.file", file);
        await driver.state("DONE");
        let text = "";
        while (!/event: file\n/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        await reader.cancel();
        const ev = decodeSse(text).find((e) => e.type === "file");
        assert(ev?.type === "file", text);
        assertEquals(ev.file.readable, true, ev.file.reason);
        const fits = await (await fetch(
          `${plot.url}api/fits?struck=PDB&iops=ch1`,
        )).json();
        assertEquals(fits.rows.length, 2, "the file's fit table is served");
      });
      const code = await plot.stop();
      assertEquals(code, 0, plot.output());
    } finally {
      await plot.stop().catch(() => {});
      await driver.close();
    }
  },
});
