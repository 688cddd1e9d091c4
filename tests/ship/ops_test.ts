import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { referencesRequired, SYSTEM_PYTHON } from "../support/refs.ts";
import { FWSScanInterface, parsePvMap } from "../../lib/pvmap/mod.ts";
import { bobDisplay } from "../../lib/ops/mod.ts";
import { ROOT, runCommand } from "./support.ts";

const UNIT = `${ROOT}/ops/fws-daemon@.service`;
const BOB = `${ROOT}/ops/fws01.bob`;

/** Like missingReference() of tests/support/refs.ts, for a program path. */
function missingTool(path: string): boolean {
  try {
    Deno.statSync(path);
    return false;
  } catch {
    if (referencesRequired()) {
      throw new Error(
        `reference '${path}' is missing; run tests/support/setup.sh`,
      );
    }
    console.error(
      `!!! reference '${path}' is missing: its tests are IGNORED on this machine (CI requires it)`,
    );
    return true;
  }
}

/** The unit as sections of key → values (repeated keys accumulate). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = line.match(/^\[(\w+)\]$/);
    if (section) {
      current = sections[section[1]] = {};
      continue;
    }
    const kv = line.match(/^([A-Za-z]+)=(.*)$/);
    if (!kv || !current) {
      throw new Error(`unit line ${i + 1}: cannot parse '${raw}'`);
    }
    (current[kv[1]] ??= []).push(kv[2]);
  }
  return sections;
}

/** Copies the unit into a temp dir with ExecStart pointing at a stub. */
async function stagedUnit(
  edit: (text: string) => string = (t) => t,
): Promise<{ dir: string; instance: string }> {
  const dir = await Deno.makeTempDir({ prefix: "fws_ship_unit_" });
  await Deno.writeTextFile(`${dir}/fws`, "#!/bin/sh\nexit 0\n");
  await Deno.chmod(`${dir}/fws`, 0o755);
  const text = (await Deno.readTextFile(UNIT)).replace(
    "ExecStart=/usr/local/bin/fws ",
    `ExecStart=${dir}/fws `,
  );
  await Deno.writeTextFile(`${dir}/fws-daemon@.service`, edit(text));
  return { dir, instance: `${dir}/fws-daemon@01.service` };
}

Deno.test({
  name:
    "the systemd unit passes systemd-analyze verify without a warning (and a broken copy does not)",
  ignore: missingTool("/usr/bin/systemd-analyze"),
  async fn() {
    const good = await stagedUnit();
    const bad = await stagedUnit((t) =>
      t.replace("[Service]", "[Service]\nRestartt=always")
    );
    try {
      const out = await runCommand("systemd-analyze", [
        "verify",
        good.instance,
      ]);
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stderr.trim(), "");
      const broken = await runCommand("systemd-analyze", [
        "verify",
        bad.instance,
      ]);
      assertMatch(
        broken.stderr,
        /Unknown key 'Restartt' in section \[Service\]/,
      );
      const security = await runCommand("systemd-analyze", [
        "security",
        "--offline=yes",
        good.instance,
      ]);
      const level = security.stdout.match(
        /Overall exposure level for fws-daemon@01\.service: ([\d.]+)/,
      );
      assert(level, security.stdout + security.stderr);
      assert(Number(level[1]) <= 2.5, `exposure ${level[1]} > 2.5`);
    } finally {
      await Deno.remove(good.dir, { recursive: true });
      await Deno.remove(bad.dir, { recursive: true });
    }
  },
});

Deno.test("the systemd unit: one instance per scanner, restarts on failure, journald, hardened, writes only in the compile.sh roots", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT));
  const s = unit.Service;
  const one = (key: string) => {
    assertEquals(s[key]?.length, 1, key);
    return s[key][0];
  };
  assertMatch(
    one("ExecStart"),
    /^\/usr\/local\/bin\/fws daemon %i --data-dir \/var\/lib\/fws\/fws-%i --log-dir \/var\/log\/fws-daemon\/fws-%i /,
  );
  assertEquals(one("Restart"), "on-failure");
  assertEquals(one("RestartPreventExitStatus"), "2");
  assertEquals(one("StandardOutput"), "journal");
  assertEquals(one("StandardError"), "journal");
  assertEquals(one("NoNewPrivileges"), "yes");
  assertEquals(one("ProtectSystem"), "strict");
  assertEquals(one("CapabilityBoundingSet"), "");
  const compile = await Deno.readTextFile(`${ROOT}/compile.sh`);
  const dataRoot = compile.match(/FWS_DATA_ROOT:-([^}]+)\}/)![1];
  const logRoot = compile.match(/FWS_LOG_ROOT:-([^}]+)\}/)![1];
  assertEquals(one("ReadWritePaths"), `-${dataRoot} -${logRoot}`);
  assertEquals(`/var/lib/${one("StateDirectory")}`, dataRoot);
  assertEquals(`/var/log/${one("LogsDirectory")}`, logRoot);
  assertEquals(unit.Install.WantedBy, ["multi-user.target"]);
  assertMatch(unit.Unit.Description[0], /scanner %i$/);
});

/** Every pv_name in a .bob file, read with Python's own XML parser. */
async function pvNamesOf(xml: string): Promise<string[]> {
  const out = await runCommand(SYSTEM_PYTHON, [
    "-c",
    "import sys, json, xml.etree.ElementTree as ET\n" +
    "root = ET.fromstring(sys.stdin.read())\n" +
    "assert root.tag == 'display', root.tag\n" +
    "print(json.dumps(sorted({e.text for e in root.iter('pv_name')})))",
  ], { stdin: xml });
  assertEquals(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/** What the display must show, derived from the map independently. */
function expectedPvs(iface: FWSScanInterface): string[] {
  return iface.entries()
    .filter((e) =>
      ["input", "output"].includes(e.spec.direction) ||
      e.logical === "motor.rbv" || e.logical === "motor.dmov"
    )
    .map((e) => e.name)
    .sort();
}

Deno.test({
  name: "ops/fws01.bob is well-formed XML (xmllint)",
  ignore: missingTool("/usr/bin/xmllint"),
  async fn() {
    const out = await runCommand("xmllint", ["--noout", BOB]);
    assertEquals(out.code, 0, out.stderr);
    const bad = await runCommand("xmllint", ["--noout", "-"], {
      stdin: "<display><widget></display>",
    });
    assertEquals(bad.code, 1);
  },
});

Deno.test({
  name:
    "ops/fws01.bob is up to date and names exactly the operator PVs of scanner 1",
  ignore: missingTool(SYSTEM_PYTHON),
  async fn() {
    const iface = new FWSScanInterface(1);
    const xml = await Deno.readTextFile(BOB);
    assertEquals(
      xml,
      bobDisplay(iface),
      "regenerate: deno run -P=fws main.ts ops display --index 1 --output ops/fws01.bob",
    );
    const names = await pvNamesOf(xml);
    assertEquals(names, expectedPvs(iface));
    const all = new Set(iface.entries().map((e) => e.name));
    for (const name of names) {
      assert(all.has(name), `${name} is not in the map`);
    }
    for (
      const must of [
        "FWS01:SCAN:START",
        "FWS01:SCAN:ABORT",
        "FWS01:SCAN:STATE",
        "FWS01:SCAN:MSG",
        "FWS01:SCAN:PROGRESS",
        "FWS01:SCAN:HEARTBEAT",
        "FWS01:SCAN:FILE",
        "FWS01:FIT:PDB:SIGMA",
        "FWS01:FIT:PDT:OK",
      ]
    ) {
      assert(names.includes(must), must);
    }
  },
});

Deno.test({
  name:
    "a display generated with a map file and test mode follows the map (renamed, null and extra channels)",
  ignore: missingTool(SYSTEM_PYTHON),
  async fn() {
    const map = parsePvMap(JSON.stringify({
      prefix: "LAB{N}:",
      channels: { struck: ["PDB", "PMT"] },
      pvs: {
        "scan.comment": null,
        "scan.user": "OPS:WHO",
        "fit.PMT.ok": "{P}PMT:FITOK",
      },
    }));
    const iface = new FWSScanInterface(7, { testMode: true, map });
    const names = await pvNamesOf(bobDisplay(iface));
    assertEquals(names, expectedPvs(iface));
    assert(names.includes("OPS:WHO"));
    assert(names.includes("Test:LAB7:PMT:FITOK"));
    assert(names.includes("Test:LAB7:FIT:PMT:SIGMA"));
    assert(!names.some((n) => n.includes("COMMENT") || n.includes(":PDT")));
  },
});

Deno.test("fws ops display escapes XML in names and rejects a bad index", async () => {
  const iface = new FWSScanInterface(2, {
    map: parsePvMap(JSON.stringify({ pvs: { "scan.user": "A&B<C>" } })),
  });
  assertMatch(bobDisplay(iface), /<pv_name>A&amp;B&lt;C&gt;<\/pv_name>/);
  const out = await runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    "-P=fws",
    "main.ts",
    "ops",
    "display",
    "--index",
    "0",
  ]);
  assertEquals(out.code, 2);
  assertMatch(
    out.stderr,
    /--index: expected a whole number from 1 to 99, got '0'/,
  );
});
