/**
 * The catalog's place in the layers: lib/history imports only lib/hdf5,
 * lib/scan (types), lib/analysis, lib/cli.ts and itself; nothing below the
 * daemon imports it.
 */
import { assert } from "../support/assert.ts";

const LIB = new URL("../../lib/", import.meta.url);

function importsOf(area: string): [string, string[]][] {
  const dir = new URL(`${area}/`, LIB);
  const out: [string, string[]][] = [];
  const walk = (url: URL, prefix: string) => {
    for (const e of Deno.readDirSync(url)) {
      if (e.isDirectory) {
        walk(new URL(`${e.name}/`, url), `${prefix}${e.name}/`);
      } else if (e.name.endsWith(".ts")) {
        const text = Deno.readTextFileSync(new URL(e.name, url));
        const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)]
          .map((m) => m[1]);
        out.push([`${prefix}${e.name}`, specs]);
      }
    }
  };
  walk(dir, "");
  return out;
}

Deno.test("lib/history imports only lib/hdf5, lib/scan, lib/analysis, lib/cli.ts; nothing below the daemon imports it", () => {
  const allowed = /^(\.\/|\.\.\/(hdf5|scan|analysis)\/|\.\.\/cli\.ts$|node:)/;
  for (const [file, specs] of importsOf("history")) {
    for (const s of specs) {
      assert(allowed.test(s), `lib/history/${file} imports ${s}`);
    }
  }
  for (const area of ["scan", "sim", "hdf5", "analysis"]) {
    for (const [file, specs] of importsOf(area)) {
      for (const s of specs) {
        assert(
          !s.includes("history/"),
          `lib/${area}/${file} imports ${s}; expected nothing of lib/history`,
        );
      }
    }
  }
});
