/** The h5wasm traps are closed in lib/hdf5/h5.ts. */
import h5wasm from "h5wasm/node";
import { H5Error, H5File } from "../../lib/hdf5/h5.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../support/assert.ts";
import { tempDir } from "./fixtures.ts";

Deno.test("types follow the typed array: float64 stays float64, int32 int32", async () => {
  const dir = tempDir();
  try {
    const f = await H5File.open(`${dir}/t.h5`, "create");
    const g = f.root.createGroup("g");
    g.writeFloat64("f", Float64Array.of(0.1, 1e300, -0));
    g.writeInt32("i", Int32Array.of(-2147483648, 2147483647));
    g.writeScalar("s", 1 / 3);
    g.writeScalarInt("n", 42);
    g.writeScalarBool("b", true);
    g.writeString("msg", "ü µ");
    g.setFloat("af", 2); // an integer-valued float stays a float
    g.setInt("ai", 2);
    g.setBool("ab", false);
    g.setStrings("as", ["x", "y"]);
    f.close();
    const r = await H5File.open(`${dir}/t.h5`, "r");
    try {
      const rg = r.root.group("g")!;
      assertEquals(rg.dataset("f")!.type, "float64");
      assertEquals(
        rg.dataset("f")!.readNumeric().data,
        Float64Array.of(0.1, 1e300, -0),
      );
      assertEquals(rg.dataset("i")!.type, "int32");
      assertEquals(rg.dataset("s")!.shape, []);
      assertEquals(rg.dataset("s")!.readScalar(), 1 / 3);
      assertEquals(rg.dataset("n")!.type, "int32");
      assertEquals(rg.dataset("b")!.type, "int8");
      assertEquals(rg.dataset("msg")!.readScalar(), "ü µ");
      assertEquals([rg.attr("af"), rg.attr("ai"), rg.attr("ab")], [2, 2, 0]);
      assertEquals(rg.attr("as"), ["x", "y"]);
      assertEquals(rg.attr("missing"), undefined);
      assertEquals(r.root.kind("g"), "group");
      assertEquals(rg.kind("f"), "dataset");
      assertEquals(rg.kind("nope"), undefined);
      assertEquals(rg.group("f"), undefined);
      assertEquals(rg.dataset("nope"), undefined);
    } finally {
      r.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("HDF5 diagnostics become H5Error instead of stderr noise", async () => {
  const dir = tempDir();
  try {
    const f = await H5File.open(`${dir}/d.h5`, "create");
    try {
      f.root.createGroup("a");
      const dup = assertThrows(
        () => f.root.createGroup("a"),
        /create group \/a: /,
      );
      assert(dup instanceof H5Error);
      f.root.writeFloat64("x", Float64Array.of(1));
      // The cause, not the H5Dwrite that fails after it; by every write path.
      for (
        const [data, options] of [
          [Float64Array.of(2), {}],
          [new Float64Array(1 << 17), {}],
          [new Float64Array(1 << 21), { gzip: 4 }],
        ] as const
      ) {
        assertThrows(
          () => f.root.writeFloat64("x", data, options),
          /^write \/x: name already exists$/,
        );
      }
      assertThrows(
        () => f.root.createGroup("no/such"),
        /invalid HDF5 name 'no\/such'/,
      );
      assertThrows(() => f.root.createGroup(""), /invalid HDF5 name ''/);
      assertThrows(
        () =>
          f.root.writeFloat64("y", Float64Array.of(1, 2, 3), { shape: [2, 2] }),
        /shape \[2,2\] holds 4 values but 3 were given/,
      );
      assertThrows(
        () => f.root.writeFloat64("z", new Float64Array(10), { gzip: 11 }),
        /gzip level 11; expected 1 to 9/,
      );
      // the file is still fine after the failures
      f.root.setString("ok", "yes");
      f.root.setString("ok", "replaced"); // attributes are replaced, not duplicated
      assertEquals(f.root.attr("ok"), "replaced");
      assertEquals(f.root.attrNames().filter((n) => n === "ok").length, 1);
    } finally {
      f.close();
      f.close(); // idempotent
    }
    await assertRejects(
      () => H5File.open(`${dir}/d.h5`, "create"),
      /open .*d\.h5: /,
    );
    const bad = await assertRejects(() => H5File.open(`${dir}/nope/x.h5`, "r"));
    assert(bad instanceof H5Error);
    assertEquals(bad.message.split("\n").length, 1);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("numbers are refused from string datasets; gzip datasets report their filter", async () => {
  const dir = tempDir();
  try {
    const f = await H5File.open(`${dir}/s.h5`, "create");
    f.root.writeString("s", "text");
    f.root.writeFloat64("z", new Float64Array(5000).fill(1), { gzip: 4 });
    f.close();
    const r = await H5File.open(`${dir}/s.h5`, "r");
    try {
      assertMatch(
        assertThrows(() => r.root.dataset("s")!.readNumeric()).message,
        /\/s holds string data; expected numbers/,
      );
      assertEquals(r.root.dataset("z")!.filters().map((x) => x.id), [1]);
      assertEquals(r.root.dataset("z")!.readNumeric().data.length, 5000);
      assertThrows(
        () => r.root.dataset("z")!.readScalar(),
        /holds 5000 values; expected a single value/,
      );
    } finally {
      r.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a contiguous array HDF5 does not write straight from the caller's buffer is written again in slabs", async () => {
  const dir = tempDir();
  // HDF5 stands for the wasm build here: its host writes now leave through a
  // copy of the heap bytes (as if through a buffer of its own), so the direct
  // write sees none of its stand-in block and must not trust the file.
  // deno-lint-ignore no-explicit-any
  const fs = ((await h5wasm.ready) as any).FS;
  const write = fs.write;
  try {
    const f = await H5File.open(`${dir}/fallback.h5`, "create");
    fs.write = function (
      stream: unknown,
      buffer: Uint8Array,
      offset: number,
      length: number,
      position?: number,
    ): number {
      const copy = buffer.slice(offset, offset + length);
      return write.call(fs, stream, copy, 0, length, position);
    };
    const data = new Float64Array(300_000).map((_, i) => i / 7 - 5);
    f.root.writeFloat64("x", data, { shape: [3, 100_000] });
    fs.write = write;
    f.close();
    const r = await H5File.open(`${dir}/fallback.h5`, "r");
    try {
      const back = r.root.dataset("x")!.readNumeric();
      assertEquals(back.shape, [3, 100_000]);
      assertEquals(back.data.findIndex((v, i) => v !== data[i]), -1);
    } finally {
      r.close();
    }
  } finally {
    fs.write = write;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a contiguous array above 128 KiB reaches the file without passing through the wasm heap", async () => {
  const dir = tempDir();
  const m = await h5wasm.ready;
  const heap = () => new Float64Array(m.HEAPU8.buffer);
  try {
    const marker = -1.2345678901234567e-123; // found nowhere else
    const f = await H5File.open(`${dir}/direct.h5`, "create");
    f.root.writeFloat64("direct", new Float64Array(1 << 17).fill(marker));
    assertEquals(heap().indexOf(marker), -1);
    // the same array gzip-compressed has to go through the heap: the probe sees it
    f.root.writeFloat64("gzip", new Float64Array(1 << 17).fill(marker), {
      gzip: 1,
    });
    assert(heap().indexOf(marker) >= 0);
    f.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
