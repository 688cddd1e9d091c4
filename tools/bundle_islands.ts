/**
 * Bundles the islands for the browser: `islands/boot.ts` and everything it
 * imports (Preact, signals, uPlot and uPlot's CSS) become one minified ESM
 * file `static/islands/bundle.js` plus `static/islands/bundle.css`, with
 * `deno bundle --platform browser --format esm --minify`. The output is
 * generated (git-ignored); `plot.ts` reads it at start-up, and `deno compile
 * --include static/` embeds it in the binary.
 *
 * Run with `deno task bundle`.
 *
 * @module
 */
import { gzipSync } from "node:zlib";

const root = new URL("../", import.meta.url);
const outDir = new URL("static/islands/", root);

/** Builds the bundle; returns the output files and their sizes. */
export async function bundleIslands(): Promise<
  { file: string; bytes: number; gzipped: number }[]
> {
  // Built in a private directory and renamed into place, so concurrent
  // builds (parallel test files) never expose a half-written bundle.
  await Deno.mkdir(outDir, { recursive: true });
  const tmp = await Deno.makeTempDir({
    dir: outDir.pathname,
    prefix: ".build-",
  });
  try {
    await build(tmp);
    for (const name of ["bundle.css", "bundle.js"]) {
      await Deno.rename(`${tmp}/${name}`, new URL(name, outDir));
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const result = [];
  for (const name of ["bundle.js", "bundle.css"]) {
    const bytes = await Deno.readFile(new URL(name, outDir));
    result.push({
      file: `static/islands/${name}`,
      bytes: bytes.length,
      gzipped: gzipSync(bytes).length,
    });
  }
  return result;
}

async function build(dir: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--format",
      "esm",
      "--minify",
      "--output",
      `${dir}/bundle.js`,
      new URL("islands/boot.ts", root).pathname,
    ],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(
      `deno bundle failed (exit ${out.code}):\n${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
}

if (import.meta.main) {
  for (const f of await bundleIslands()) {
    console.log(`${f.file}: ${f.bytes} bytes (${f.gzipped} gzipped)`);
  }
}
