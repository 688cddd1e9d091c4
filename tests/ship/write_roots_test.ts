import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  bakeWriteRoots,
  checkDaemonDirs,
  checkWriteRoot,
  realPathOf,
  WriteRootError,
  writeRoots,
} from "../../lib/permissions.ts";
import { runCommand } from "./support.ts";

/** A temporary tree: root/{inside/, link → outside/, up → ..}, outside/. */
async function tree(): Promise<
  { base: string; root: string; outside: string; cleanup: () => Promise<void> }
> {
  const base = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "fws_ship_roots_" }),
  );
  const root = `${base}/root`;
  const outside = `${base}/outside`;
  await Deno.mkdir(`${root}/inside`, { recursive: true });
  await Deno.mkdir(outside);
  await Deno.symlink(outside, `${root}/link`);
  await Deno.symlink(`${root}/inside`, `${root}/link_in`);
  return {
    base,
    root,
    outside,
    cleanup: () => Deno.remove(base, { recursive: true }),
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

Deno.test("checkWriteRoot accepts the root, existing and future subdirectories and inner links", async () => {
  const t = await tree();
  try {
    assertEquals(await checkWriteRoot(t.root, [t.root]), t.root);
    assertEquals(
      await checkWriteRoot(`${t.root}/inside`, [t.root]),
      `${t.root}/inside`,
    );
    assertEquals(
      await checkWriteRoot(`${t.root}/new/deeper`, [t.root]),
      `${t.root}/new/deeper`,
    );
    assertEquals(
      await checkWriteRoot(`${t.root}/link_in/x`, [t.root]),
      `${t.root}/inside/x`,
    );
    // relative paths are taken from the working directory
    assertEquals(await realPathOf("a/../b"), `${Deno.cwd()}/b`);
  } finally {
    await t.cleanup();
  }
});

Deno.test("checkWriteRoot refuses a directory outside, a symlink pointing outside and .. through a link", async () => {
  const t = await tree();
  try {
    const outside = await rejection(checkWriteRoot(t.outside, [t.root]));
    assert(outside instanceof WriteRootError);
    assertEquals(
      outside.message,
      `directory '${t.outside}' is outside the write root '${t.root}'`,
    );
    const viaLink = await rejection(
      checkWriteRoot(`${t.root}/link/data`, [t.root], "data directory"),
    );
    assertEquals(
      viaLink.message,
      `data directory '${t.root}/link/data' (resolves to '${t.outside}/data') is outside the write root '${t.root}'`,
    );
    // lexically inside, but the kernel applies .. to the link's target
    const dotdot = await rejection(
      checkWriteRoot(`${t.root}/link/../x`, [t.root]),
    );
    assertMatch(dotdot.message, new RegExp(`resolves to '${t.base}/x'`));
    // a prefix of the name is not containment
    const sibling = await rejection(checkWriteRoot(`${t.root}2`, [t.root]));
    assertMatch(sibling.message, /is outside the write root/);
    // any of several roots will do
    assertEquals(
      await checkWriteRoot(`${t.outside}/a`, [t.root, t.outside]),
      `${t.outside}/a`,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("Deno's own --allow-write lets a write through a symlink pointing outside (why the check exists)", async () => {
  const t = await tree();
  try {
    const scoped = await runCommand(Deno.execPath(), [
      "run",
      "--no-config",
      "--no-prompt",
      `--allow-write=${t.root}`,
      `data:application/javascript,Deno.writeTextFileSync(${
        encodeURIComponent(JSON.stringify(`${t.root}/link/escaped.txt`))
      }, "x")`,
    ]);
    assertEquals(scoped.code, 0, scoped.stderr);
    assertEquals(await Deno.readTextFile(`${t.outside}/escaped.txt`), "x");
  } finally {
    await t.cleanup();
  }
});

Deno.test("checkDaemonDirs names both directories and both roots in one error", async () => {
  const t = await tree();
  try {
    const roots = { data: `${t.root}/inside`, log: t.root };
    await checkDaemonDirs(
      { dataDir: `${t.root}/inside/fws-01`, logDir: `${t.root}/log/fws-01` },
      roots,
    );
    const both = await rejection(checkDaemonDirs(
      { dataDir: `${t.root}/link`, logDir: t.outside },
      roots,
    ));
    assert(both instanceof WriteRootError);
    assertMatch(
      both.message,
      new RegExp(
        `^fws: data directory '${t.root}/link' \\(resolves to '${t.outside}'\\) is outside the write root '${t.root}/inside'; log directory '${t.outside}' is outside the write root '${t.root}'\\. This fws may write only inside the data root '${t.root}/inside' and the log root '${t.root}'`,
      ),
    );
    // no roots: nothing to check
    await checkDaemonDirs({ dataDir: "/anywhere", logDir: "/else" }, undefined);
  } finally {
    await t.cleanup();
  }
});

Deno.test("write roots come from the binary, else from FWS_DATA_ROOT and FWS_LOG_ROOT", async () => {
  const env = (data?: string, log?: string) => ({
    ...(data ? { FWS_DATA_ROOT: data } : {}),
    ...(log ? { FWS_LOG_ROOT: log } : {}),
  });
  const script = (bake: boolean) =>
    `import { bakeWriteRoots, writeRoots } from "./lib/permissions.ts";` +
    (bake
      ? `bakeWriteRoots({ data: "/baked/data", log: "/baked/log" });`
      : "") +
    `console.log(JSON.stringify(writeRoots() ?? null));`;
  const run = async (bake: boolean, e: Record<string, string>) => {
    const out = await runCommand(Deno.execPath(), ["eval", script(bake)], {
      env: e,
    });
    assertEquals(out.code, 0, out.stderr);
    return JSON.parse(out.stdout);
  };
  assertEquals(await run(false, env("/d", "/l")), { data: "/d", log: "/l" });
  assertEquals(await run(false, env("/d")), null);
  assertEquals(await run(true, env("/d", "/l")), {
    data: "/baked/data",
    log: "/baked/log",
  });
  // in this process nothing is baked
  assert(typeof bakeWriteRoots === "function");
  const here = writeRoots();
  if (!Deno.env.get("FWS_DATA_ROOT")) assertEquals(here, undefined);
});
