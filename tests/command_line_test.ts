/**
 * The shared command-line plumbing of lib/cli.ts: the command banners print
 * (`fwsCommand`) for each way fws is run, and the `--` that `deno task`
 * hands on.
 */
import { join } from "node:path";
import { fwsCommand, parseCommand } from "../lib/cli.ts";
import { assertEquals } from "./support/assert.ts";

async function withDirs(
  fn: (dirs: { bin: string; other: string; deno: string }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "fws-cli-test-" });
  try {
    const dirs = {
      bin: join(root, "bin"),
      other: join(root, "other"),
      deno: join(root, "deno-bin"),
    };
    for (const d of Object.values(dirs)) await Deno.mkdir(d);
    await Deno.writeTextFile(join(dirs.bin, "fws"), "");
    await Deno.chmod(join(dirs.bin, "fws"), 0o755);
    await Deno.writeTextFile(join(dirs.deno, "deno"), "");
    await Deno.chmod(join(dirs.deno, "deno"), 0o755);
    await fn(dirs);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("fwsCommand: the command a banner prints works where the user is", async () => {
  await withDirs(async ({ bin, other, deno }) => {
    const binary = join(bin, "fws");
    const at = { execPath: binary, denoVersion: "2.9.6" };
    // the binary's folder is on PATH: plain `fws`
    assertEquals(
      fwsCommand({ ...at, path: `${other}:${bin}`, cwd: other }),
      "fws",
    );
    // not on PATH, run from its folder or below it: a relative path
    assertEquals(fwsCommand({ ...at, path: other, cwd: bin }), "./fws");
    // not on PATH, run from elsewhere: the absolute path
    assertEquals(fwsCommand({ ...at, path: other, cwd: other }), binary);
    // a binary renamed fws-1.2 that is on PATH keeps its name
    await Deno.rename(binary, join(bin, "fws-1.2"));
    assertEquals(
      fwsCommand({
        ...at,
        execPath: join(bin, "fws-1.2"),
        path: bin,
        cwd: other,
      }),
      "fws-1.2",
    );
    // under deno run in a checkout: the task, through npx when deno is not on PATH
    const run = {
      execPath: join(other, "deno"),
      cwd: other,
      denoVersion: "2.9.6",
    };
    assertEquals(
      fwsCommand({ ...run, path: `${deno}:${other}` }),
      "deno task fws",
    );
    assertEquals(
      fwsCommand({ ...run, path: bin }),
      "npx -y deno@2.9.6 task fws",
    );
  });
});

Deno.test("parseCommand: a leading `--` (deno task demo -- --no-open) is dropped", () => {
  const spec = {
    command: "fws demo",
    options: { "no-open": { type: "boolean" as const } },
  };
  assertEquals(parseCommand(["--", "--no-open"], spec).values["no-open"], true);
  assertEquals(parseCommand(["--no-open"], spec).values["no-open"], true);
});
