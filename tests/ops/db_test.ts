/**
 * The generated IOC database `ops/fws.db`: current with the generator, loaded
 * by EPICS's own softIoc, and its alarms — read with `caget -a` — the same as
 * `fws sim` shows for the same puts.
 */
import {
  iocDatabase,
  iocRecords,
  macroInterface,
  recordDescription,
} from "../../lib/ops/mod.ts";
import { FWSScanInterface, type LogicalName } from "../../lib/pvmap/mod.ts";
import { MAX_SCANS, MAX_SETTLE, MAX_STEPS } from "../../lib/scan/config.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { missingReference } from "../support/refs.ts";
import { caget, caput, SoftIoc } from "../support/epics.ts";
import { assert, assertEquals, assertMatch } from "../support/assert.ts";

const DB = new URL("../../ops/fws.db", import.meta.url).pathname;

Deno.test("ops/fws.db is current with the generator", async () => {
  assertEquals(
    await Deno.readTextFile(DB),
    iocDatabase(macroInterface()),
    "regenerate: deno run -P=fws main.ts ops db --output ops/fws.db",
  );
});

Deno.test("the database hosts every request, status and result PV, and no hardware", () => {
  const iface = new FWSScanInterface(1);
  const names = new Set(iocRecords(iface).map((e) => e.logical));
  for (const e of iface.entries()) {
    const hosted = ["input", "output", "ioc"].includes(e.spec.direction);
    assertEquals(names.has(e.logical), hosted, e.logical);
  }
  for (const e of iocRecords(iface)) {
    const desc = recordDescription(e.spec);
    assert(new TextEncoder().encode(desc).length <= 40, desc);
  }
});

Deno.test("the drive limits of the requests are the validator's", () => {
  const text = iocDatabase(macroInterface());
  const field = (record: string, name: string): string | undefined => {
    const body = text.split(`"$(P)${record}") {`)[1]?.split("}")[0] ?? "";
    return body.match(new RegExp(`field\\(${name}, "([^"]*)"\\)`))?.[1];
  };
  assertEquals(field("SCAN:NSTEPS", "DRVH"), String(MAX_STEPS));
  assertEquals(field("SCAN:NSCANS", "DRVH"), String(MAX_SCANS));
  assertEquals(field("SCAN:SETTLE", "DRVH"), String(MAX_SETTLE));
  assertEquals(field("SCAN:MSG", "NELM"), "256");
  assertEquals(field("SCAN:FILE", "NELM"), "1024");
  assertEquals(field("FIT:PDB:OK", "ZSV"), "MAJOR");
});

Deno.test("a map file renames records and drops null ones", () => {
  const text = iocDatabase(macroInterface({
    channels: { struck: ["PMT"] },
    pvs: { "scan.comment": null, "scan.user": "{P}WHO" },
  }));
  assertMatch(text, /record\(stringout, "\$\(P\)WHO"\)/);
  assert(!text.includes("COMMENT"));
  assert(text.includes('"$(P)FIT:PMT:OK"'));
  assert(!text.includes("FIT:PDB"));
});

/** Status and severity of one `caget -a` line (blank means NO_ALARM). */
function alarmOf(line: string): string {
  const tokens = line.trim().split(/\s+/);
  const severities = ["NO_ALARM", "MINOR", "MAJOR", "INVALID"];
  const last = tokens.at(-1) ?? "";
  return severities.includes(last)
    ? `${tokens.at(-2)} ${last}`
    : "NO_ALARM NO_ALARM";
}

/** Puts and the alarm a record of the database shows afterwards. */
const CASES: [LogicalName, string, string][] = [
  ["fit.PDB.ok", "0", "STATE MAJOR"],
  ["fit.PDT.ok", "1", "NO_ALARM NO_ALARM"],
  ["fit.PDB.center", "nan", "UDF INVALID"],
  ["fit.PDB.sigma", "1.25", "NO_ALARM NO_ALARM"],
  ["fit.PDT.chi2Red", "NaN", "UDF INVALID"],
  ["scan.state", "ERROR", "STATE MAJOR"],
  ["scan.progress", "50", "NO_ALARM NO_ALARM"],
];

async function alarmsAfterPuts(
  pv: (l: LogicalName) => string,
  port: number,
): Promise<string[]> {
  const out: string[] = [];
  for (const [logical, value] of CASES) {
    const put = await caput([pv(logical), value], { port });
    assert(put.success, put.stderr);
    const got = await caget(["-a", pv(logical)], { port });
    assert(got.success, got.stderr);
    out.push(`${logical}=${value}: ${alarmOf(got.stdout)}`);
  }
  return out;
}

const EXPECTED = CASES.map(([l, v, alarm]) => `${l}=${v}: ${alarm}`);

Deno.test({
  name:
    "softIoc loads ops/fws.db: OK=0 is MAJOR, a NaN fit INVALID, ERROR MAJOR (caget -a)",
  ignore: missingReference("epics"),
  async fn() {
    await using ioc = await SoftIoc.start({ db: DB, macros: { P: "FWS01:" } });
    assert(!/error/i.test(ioc.output), ioc.output);
    const iface = new FWSScanInterface(1);
    const pv = (l: LogicalName) => iface.requirePv(l);
    assertEquals(await alarmsAfterPuts(pv, ioc.port), EXPECTED);
    // the inputs start defined (PINI), with the drive limits enforced
    const start = await caget(["-a", pv("scan.startPos")], { port: ioc.port });
    assertEquals(alarmOf(start.stdout), "NO_ALARM NO_ALARM");
    await caput([pv("scan.nSteps"), "99999"], { port: ioc.port });
    const steps = await caget(["-t", pv("scan.nSteps")], { port: ioc.port });
    assertEquals(steps.stdout.trim(), String(MAX_STEPS));
    // the watchdog counts while the heartbeat stands and restarts on a beat
    const age = () =>
      caget(["-t", pv("scan.heartbeatAge")], { port: ioc.port }).then((r) =>
        Number(r.stdout.trim())
      );
    const before = await age();
    await new Promise((r) => setTimeout(r, 2100));
    assert((await age()) >= before + 2, "the age does not count");
    await caput([pv("scan.heartbeat"), "7"], { port: ioc.port });
    await new Promise((r) => setTimeout(r, 1100));
    assert((await age()) <= 1, "the age does not restart on a beat");
  },
});

Deno.test({
  name: "fws sim shows the same alarms as softIoc for the same puts (caget -a)",
  ignore: missingReference("epics"),
  async fn() {
    const sim = await startSimulator({ scannerIndex: 1, zeroLatency: true });
    try {
      const pv = (l: LogicalName) => sim.interface.requirePv(l);
      assertEquals(await alarmsAfterPuts(pv, sim.udpPort), EXPECTED);
    } finally {
      await sim.close();
    }
  },
});

Deno.test({
  name:
    "record types another spec entry may bring (longin, stringin, ai, long text) load into softIoc",
  ignore: missingReference("epics"),
  async fn() {
    const entries = [
      {
        logical: "scan.step",
        name: "$(P)SCAN:STEP",
        spec: {
          logical: "scan.step",
          template: "{P}SCAN:STEP",
          record: "longin",
          direction: "output",
          units: "steps",
          precision: 0,
          limits: { low: 0, high: 10000 },
          description:
            "step within the repetition, counted from 1 by the daemon",
        },
      },
      {
        logical: "scan.owner",
        name: "$(P)SCAN:OWNER",
        spec: {
          logical: "scan.owner",
          template: "{P}SCAN:OWNER",
          record: "stringin",
          direction: "output",
          units: "host",
          description: "the daemon holding the scanner (host, pid)",
        },
      },
      {
        logical: "fit.PDB.sigmaMean",
        name: "$(P)FIT:PDB:SIGMA_MEAN",
        spec: {
          logical: "fit.PDB.sigmaMean",
          template: "{P}FIT:PDB:SIGMA_MEAN",
          record: "ai",
          direction: "output",
          units: "mm",
          precision: 4,
          limits: { low: 0, high: 50 },
          description: "mean sigma over the repetitions",
        },
      },
    ];
    const iface = {
      prefix: "$(P)",
      entries: () => entries,
      pv: () => null,
    } as unknown as FWSScanInterface;
    const dir = await Deno.makeTempDir({ prefix: "fws_ops_db_" });
    try {
      await Deno.writeTextFile(`${dir}/more.db`, iocDatabase(iface));
      await using ioc = await SoftIoc.start({
        db: `${dir}/more.db`,
        macros: { P: "NEW:" },
      });
      assert(!/error|not found/i.test(ioc.output), ioc.output);
      const port = ioc.port;
      assert((await caput(["NEW:SCAN:STEP", "12"], { port })).success);
      const got = await caget(["-t", "NEW:SCAN:STEP", "NEW:SCAN:OWNER"], {
        port,
      });
      assertEquals(got.stdout.trim().split(/\s+/)[0], "12");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the heartbeat watchdog: softIoc and fws sim both go HIGH MAJOR after 5 s without a beat, and clear on one",
  ignore: missingReference("epics"),
  async fn() {
    await using ioc = await SoftIoc.start({ db: DB, macros: { P: "FWS01:" } });
    const sim = await startSimulator({ scannerIndex: 1, zeroLatency: true });
    try {
      const iface = new FWSScanInterface(1);
      const age = iface.requirePv("scan.heartbeatAge");
      const beat = iface.requirePv("scan.heartbeat");
      const ports = [ioc.port, sim.udpPort];
      const alarms = () =>
        Promise.all(ports.map(async (port) => {
          const r = await caget(["-a", age], { port });
          assert(r.success, r.stderr);
          return alarmOf(r.stdout);
        }));
      for (const port of ports) await caput([beat, "1"], { port });
      await new Promise((r) => setTimeout(r, 6200));
      assertEquals(await alarms(), ["HIGH MAJOR", "HIGH MAJOR"]);
      for (const port of ports) await caput([beat, "2"], { port });
      await new Promise((r) => setTimeout(r, 1200));
      assertEquals(await alarms(), ["NO_ALARM NO_ALARM", "NO_ALARM NO_ALARM"]);
    } finally {
      await sim.close();
    }
  },
});
