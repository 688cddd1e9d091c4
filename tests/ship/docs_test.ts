import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  formatMarkdown,
  permissionTableMarkdown,
  pvTableMarkdown,
  replaceBlock,
  updateDoc,
} from "../../tools/gen_pv_table.ts";
import {
  compileKernels,
  KERNELS_MODULE,
  KERNELS_SOURCE,
  kernelsModuleText,
} from "../../tools/build_kernels.ts";
import { defaultPvSpecs } from "../../lib/pvmap/mod.ts";
import { PERMISSION_PROFILES } from "../../lib/permissions.ts";
import { missingReference } from "../support/refs.ts";
import { ROOT, runCommand } from "./support.ts";

const read = (path: string) => Deno.readTextFile(`${ROOT}/${path}`);

Deno.test("docs/operations.md's PV and permission tables are up to date", async () => {
  const doc = await read("docs/operations.md");
  assertEquals(
    doc,
    await formatMarkdown(updateDoc(doc)),
    "regenerate: deno run -R -W=docs --allow-run tools/gen_pv_table.ts",
  );
  for (const spec of defaultPvSpecs()) {
    assert(doc.includes(`\`${spec.logical}\``), spec.logical);
    assert(doc.includes(`\`${spec.template}\``), spec.template);
  }
  for (const name of Object.keys(PERMISSION_PROFILES)) {
    assert(doc.includes(`| \`${name}\``), name);
  }
});

Deno.test("gen_pv_table: tables, escaping and missing markers", () => {
  const table = pvTableMarkdown([{
    logical: "x.y",
    template: "{P}A|B",
    record: "bo",
    direction: "input",
    enumStrings: ["Off", "On"],
    description: "a\nb",
    required: true,
  }]);
  assertEquals(
    table.split("\n")[2],
    "| `x.y` | `{P}A\\|B` | bo | input (required) |  | a b (Off, On) |",
  );
  assertMatch(
    permissionTableMarkdown(PERMISSION_PROFILES),
    /\| `plot` \| {2}\| read, net, env, sys, run \| write, ffi \|/,
  );
  let message = "";
  try {
    replaceBlock("no markers", "pv-table", "x");
  } catch (error) {
    message = (error as Error).message;
  }
  assertMatch(message, /expected the markers '<!-- BEGIN GENERATED pv-table/);
});

Deno.test("the docs exist, link to files that exist, and the architecture has its diagram", async () => {
  const docs = ["operations", "architecture", "development"];
  for (const name of docs) {
    const text = await read(`docs/${name}.md`);
    for (const [, target] of text.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
      if (/^https?:/.test(target)) continue;
      await Deno.stat(`${ROOT}/docs/${target}`);
    }
  }
  const arch = await read("docs/architecture.md");
  assertMatch(arch, /```mermaid\nflowchart/);
  for (
    const name of [
      "ScanPlanner",
      "FWSScanRunner",
      "ScanDataCollector",
      "ScanStatusCallback",
      "GaussFitCallback",
      "HDF5WriterCallback",
      "FWSScanInterface",
      "FWSScanBridgeDaemon",
    ]
  ) {
    assert(arch.includes(name), name);
  }
  // every folder of the map exists
  // the map is the fenced block that follows the heading
  const after = arch.slice(arch.indexOf("## Folders"));
  const start = after.indexOf("```\n") + 4;
  const folders = after.slice(start, after.indexOf("```", start));
  const paths = [
    ...folders.matchAll(/^([a-z0-9_.]+(?:\/[a-z0-9_<>.]*)*)\s/gm),
  ].map((m) => m[1]).filter((p) => !p.includes("<"));
  assert(paths.length >= 15, `folders found: ${paths.join(" ")}`);
  assert(paths.includes("lib/hdf5/"));
  for (const path of paths) await Deno.stat(`${ROOT}/${path}`);
  const dev = await read("docs/development.md");
  assertMatch(dev, /npx -y deno@2\.9\.6/);
});

Deno.test("the air-gapped message in docs/operations.md is the one compile.sh prints", async () => {
  const doc = await read("docs/operations.md");
  const documented = doc.match(
    /^compile\.sh: cannot download the Deno runtime base.*$/m,
  )?.[0];
  assert(documented, "operations.md shows the message");
  const denoDir = await Deno.makeTempDir({ prefix: "fws_ship_docs_" });
  try {
    const out = await runCommand("bash", [
      "compile.sh",
      "--target",
      "x86_64-unknown-linux-gnu",
      "--output",
      `${denoDir}/fws`,
    ], {
      env: {
        DENORT_BIN: "",
        DENO_DIR: denoDir,
        HTTPS_PROXY: "http://127.0.0.1:1",
        https_proxy: "http://127.0.0.1:1",
        FWS_DOWNLOAD_TIMEOUT: "5",
      },
      timeoutMs: 30_000,
    });
    assertEquals(out.code, 3);
    const printed = out.stderr.trim().split("\n").at(-1)!;
    const shape = (s: string) =>
      s.replace(/ \(.*?\) and DENORT_BIN/, " (…) and DENORT_BIN");
    assertEquals(shape(printed), documented);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test({
  name:
    "the embedded fit kernels are what kernels.c compiles to (Debian's clang-16)",
  ignore: missingReference("clang"),
}, async () => {
  const bytes = await compileKernels(`${ROOT}/${KERNELS_SOURCE}`);
  assertEquals(
    await read(KERNELS_MODULE),
    kernelsModuleText(bytes),
    "regenerate: deno run -R -W=lib/analysis/kernels --allow-run tools/build_kernels.ts",
  );
});
