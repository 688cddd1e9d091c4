import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { referencesRequired, SYSTEM_PYTHON } from "../support/refs.ts";
import {
  FWSScanInterface,
  parsePvMap,
  SCAN_STATES,
  type ScanState,
} from "../../lib/pvmap/mod.ts";
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

/** Every PV name (pv_name, an XY plot trace's x_pv and y_pv) in a .bob file, read with Python's own XML parser. */
async function pvNamesOf(xml: string): Promise<string[]> {
  const out = await runCommand(SYSTEM_PYTHON, [
    "-c",
    "import sys, json, xml.etree.ElementTree as ET\n" +
    "root = ET.fromstring(sys.stdin.read())\n" +
    "assert root.tag == 'display', root.tag\n" +
    "names = {e.text for tag in ('pv_name', 'x_pv', 'y_pv') for e in root.iter(tag)}\n" +
    "print(json.dumps(sorted(names)))",
  ], { stdin: xml });
  assertEquals(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/** What the display must show, derived from the map independently. */
function expectedPvs(iface: FWSScanInterface): string[] {
  const hardware = [
    "motor.val",
    "motor.rbv",
    "motor.dmov",
    "motor.hlm",
    "motor.llm",
    "beam.current",
  ];
  return iface.entries()
    .filter((e) =>
      ["input", "output", "ioc"].includes(e.spec.direction) ||
      hardware.includes(e.logical)
    )
    .map((e) => e.name)
    .sort();
}

/** One widget of a .bob file, as Python's XML parser reads it. */
interface BobWidget {
  type: string;
  version: string;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Child element tags (the properties set). */
  props: string[];
  text?: string;
  font?: { size: number; style: string };
  pv?: string;
  offColor?: number[];
  onColor?: number[];
  rules: { prop: string; pvs: string[]; exps: [string, string][] }[];
  limitsFromPv?: string;
  minimum?: string;
  maximum?: string;
}

/** The widgets of a .bob display, parsed by Python's own XML library. */
async function widgetsOf(xml: string): Promise<BobWidget[]> {
  const out = await runCommand(SYSTEM_PYTHON, [
    "-c",
    `import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
assert root.tag == 'display', root.tag
def rgb(e):
    return None if e is None else [int(e.get(k)) for k in ('red', 'green', 'blue')]
def val(v):
    c = v.find('color')
    return json.dumps(rgb(c)) if c is not None else (v.text or '')
ws = []
for w in root.iter('widget'):
    f = w.find('font/font')
    ws.append(dict(type=w.get('type'), version=w.get('version'), name=w.findtext('name'),
        x=int(w.findtext('x')), y=int(w.findtext('y')), width=int(w.findtext('width')),
        height=int(w.findtext('height')), props=[c.tag for c in w],
        text=w.findtext('text'), pv=w.findtext('pv_name'),
        font=None if f is None else dict(size=float(f.get('size')), style=f.get('style')),
        offColor=rgb(w.find('off_color/color')), onColor=rgb(w.find('on_color/color')),
        limitsFromPv=w.findtext('limits_from_pv'), minimum=w.findtext('minimum'),
        maximum=w.findtext('maximum'),
        rules=[dict(prop=r.get('prop_id'), pvs=[p.text for p in r.findall('pv_name')],
            exps=[[e.get('bool_exp'), val(e.find('value'))] for e in r.findall('exp')])
            for r in w.findall('rules/rule')]))
print(json.dumps(ws))`,
  ], { stdin: xml });
  assertEquals(out.code, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/**
 * The properties each widget type has in Phoebus (the model classes
 * `app/display/model/.../widgets/*Widget.java` and `CommonWidgetProperties`:
 * every widget has name, geometry, tooltip, rules, visible; PV widgets
 * pv_name and border_alarm_sensitive).
 */
const COMMON = [
  "name",
  "x",
  "y",
  "width",
  "height",
  "tooltip",
  "rules",
  "visible",
];
const PHOEBUS_PROPS: Record<string, string[]> = {
  // XYPlotWidget (display format 2.0.0)
  xyplot: [
    "title",
    "title_font",
    "show_toolbar",
    "show_legend",
    "foreground_color",
    "background_color",
    "grid_color",
    "x_axis",
    "y_axes",
    "traces",
  ],
  label: [
    "text",
    "font",
    "foreground_color",
    "background_color",
    "transparent",
    "horizontal_alignment",
    "vertical_alignment",
    "auto_size",
    "wrap_words",
  ],
  textupdate: [
    "pv_name",
    "font",
    "foreground_color",
    "background_color",
    "transparent",
    "format",
    "precision",
    "show_units",
    "horizontal_alignment",
    "vertical_alignment",
    "wrap_words",
  ],
  textentry: [
    "pv_name",
    "font",
    "foreground_color",
    "background_color",
    "format",
    "precision",
    "show_units",
    "horizontal_alignment",
    "enabled",
  ],
  combo: [
    "pv_name",
    "font",
    "foreground_color",
    "background_color",
    "items",
    "items_from_pv",
    "enabled",
  ],
  led: [
    "pv_name",
    "bit",
    "off_label",
    "off_color",
    "on_label",
    "on_color",
    "font",
    "foreground_color",
    "square",
  ],
  progressbar: [
    "pv_name",
    "fill_color",
    "background_color",
    "limits_from_pv",
    "minimum",
    "maximum",
    "horizontal",
  ],
  action_button: [
    "pv_name",
    "actions",
    "text",
    "font",
    "foreground_color",
    "background_color",
    "transparent",
    "enabled",
  ],
};

/** A generous width estimate of a label's text: 0.6 em a character, 0.72 for capitals, bold 10 % wider. */
function estimateWidth(text: string, size: number, bold: boolean): number {
  let em = 0;
  for (const ch of text) em += /[A-Z0-9]/.test(ch) ? 0.72 : 0.6;
  return em * size * (bold ? 1.1 : 1);
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
    assert(names.includes("FWS01:SCAN:HEARTBEAT_AGE"));
    // the live profile is an XY plot: data and fit traces on LIVE:POS
    for (const y of ["LIVE:PDB", "LIVE:FIT:PDB", "LIVE:PDT", "LIVE:FIT:PDT"]) {
      assertMatch(
        xml,
        new RegExp(`<x_pv>FWS01:LIVE:POS</x_pv><y_pv>FWS01:${y}</y_pv>`),
      );
    }
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
        "FWS01:MTR.VAL",
        "FWS01:MTR.RBV",
        "FWS01:MTR.HLM",
        "FWS01:MTR.LLM",
        "FWS01:BEAM:CURRENT",
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

Deno.test({
  name:
    "ops/fws01.bob uses Phoebus widget types and properties, no widget overlaps another, labels fit",
  ignore: missingTool(SYSTEM_PYTHON),
  async fn() {
    const xml = await Deno.readTextFile(BOB);
    const widgets = await widgetsOf(xml);
    const width = Number(xml.match(/<width>(\d+)<\/width>/)![1]);
    for (const w of widgets) {
      const allowed = PHOEBUS_PROPS[w.type];
      assert(allowed, `${w.name}: widget type '${w.type}' is not Phoebus's`);
      for (const p of w.props) {
        assert(
          COMMON.includes(p) || allowed.includes(p),
          `${w.name} (${w.type}): no property '${p}' in Phoebus`,
        );
      }
      assert(
        w.x >= 0 && w.x + w.width <= width,
        `${w.name} outside the display`,
      );
      if (w.type === "label" && w.text) {
        const size = w.font?.size ?? 14;
        const need = estimateWidth(w.text, size, w.font?.style === "BOLD");
        assert(
          need <= w.width,
          `label '${w.text}' needs ~${need} px, box ${w.width}`,
        );
        assert(
          /^[^a-z]/.test(w.text),
          `label '${w.text}' starts in lower case`,
        );
        assert(!/[a-z][A-Z]/.test(w.text), `label '${w.text}' is a code name`);
      }
    }
    const shown = widgets.filter((w) => !w.props.includes("visible"));
    for (const [i, a] of shown.entries()) {
      for (const b of shown.slice(i + 1)) {
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width &&
          a.y < b.y + b.height && b.y < a.y + a.height;
        assert(!overlap, `${a.name} overlaps ${b.name}`);
      }
    }
  },
});

Deno.test({
  name:
    "ops/fws01.bob for 3 a.m.: state colours, red OK LEDs, stalled heartbeat, 0–100 % progress, wide message and file",
  ignore: missingTool(SYSTEM_PYTHON),
  async fn() {
    const widgets = await widgetsOf(await Deno.readTextFile(BOB));
    const byName = new Map(widgets.map((w) => [w.name, w]));
    const state = byName.get("scan.state")!;
    const colours = Object.fromEntries(
      state.rules[0].exps.map(([exp, value]) => [exp, JSON.parse(value)]),
    );
    const index = (s: string) => SCAN_STATES.indexOf(s as ScanState);
    const green = colours[`pv0==${index("DONE")}`];
    assert(green[1] > 150 && green[0] < 50, "DONE is not green");
    assertEquals(colours[`pv0==${index("PAUSED")}`].slice(0, 2), [255, 230]);
    assertEquals(colours[`pv0==${index("ABORTED")}`], [255, 0, 0]);
    assertEquals(colours[`pv0==${index("ERROR")}`], [255, 0, 0]);
    for (const ch of ["PDB", "PDT"]) {
      const ok = byName.get(`fit.${ch}.ok`)!;
      assertEquals(ok.type, "led");
      assertEquals(ok.offColor, [255, 0, 0]);
    }
    const stalled = byName.get("scan.heartbeatAge.stalled")!;
    assertEquals(stalled.rules[0].prop, "visible");
    assertEquals(stalled.rules[0].pvs, ["FWS01:SCAN:HEARTBEAT_AGE"]);
    assertEquals(stalled.rules[0].exps, [["pvSev0>=2", "true"]]);
    const progress = byName.get("scan.progress")!;
    assertEquals(progress.type, "progressbar");
    assertEquals(
      [progress.limitsFromPv, progress.minimum, progress.maximum],
      ["false", "0.0", "100.0"],
    );
    for (const logical of ["scan.msg", "scan.file"]) {
      assert(byName.get(logical)!.width >= 600, `${logical} is too narrow`);
    }
    assertEquals(byName.get("fit.chi2Red.label")?.text, "χ²/ndf");
    // mean and std over the request sit beside the last scan's value
    const sigma = byName.get("fit.PDB.sigma")!;
    for (const stat of ["sigmaMean", "sigmaStd"]) {
      const w = byName.get(`fit.PDB.${stat}`)!;
      assertEquals(w.y, sigma.y, stat);
      assert(w.x > sigma.x, stat);
    }
    assertEquals(byName.get("fit.centerErr.label")?.text, "Centre error");
  },
});
