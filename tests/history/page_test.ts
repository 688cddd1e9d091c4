/**
 * `fws history`'s server in-process over HTTP: the list and its search,
 * paging and CSV; the trend against the catalog, with request boundaries
 * and the drift from the reference; the overlay of picked scans; the file
 * view under `/history/file/<name>/`; `/history/latest/N`; and the answers
 * to bad requests. The catalog is opened read-only.
 */
import { basename } from "node:path";
import {
  driftOf,
  referenceValues,
  ScanCatalog,
} from "../../lib/history/mod.ts";
import { startHistoryServer } from "../../history.ts";
import type {
  HistoryRow,
  TrendPayload,
} from "../../islands/shared/history_types.ts";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../support/assert.ts";
import { ensureBundle } from "../plot/support.ts";
import { historyDir } from "./support_page.ts";

Deno.test("history server: list, trend, overlay, file view, latest, errors", async (t) => {
  await ensureBundle();
  const h = await historyDir();
  const server = await startHistoryServer(h.dir);
  const get = (path: string, init?: RequestInit) =>
    fetch(new URL(path, server.url), { redirect: "manual", ...init });
  const rows = async (query: string) => {
    const r = await get(`/history/api/scans?${query}`);
    assertEquals(r.status, 200, await r.clone().text());
    return (await r.json()).rows as HistoryRow[];
  };
  try {
    await t.step("the list is newest first and searchable", async () => {
      const all = await rows("");
      assertEquals(all.length, 8);
      assertEquals(all[0].name, "fws03_fork.h5");
      const times = all.map((r) => Date.parse(r.start));
      assertEquals(times, [...times].sort((a, b) => b - a));
      assertEquals(
        (await rows("user=bob")).map((r) => r.name),
        ["fws03_0005.h5", "fws03_0003.h5", "fws03_0001.h5"],
      );
      assertEquals((await rows("comment=SHIFT%204")).map((r) => r.name), [
        "fws03_0004.h5",
      ]);
      const aborted = await rows("status=aborted");
      assertEquals(aborted.map((r) => [r.name, r.scanner, r.message]), [[
        "fws05_aborted.h5",
        5,
        "IOC stopped answering",
      ]]);
      assertEquals((await rows("scanner=5")).length, 1);
      // 2027-01-15 11:00Z up to 13:00Z: files 1 and 2, and the aborted one
      assertEquals(
        (await rows(
          "from=2027-01-15T11:00:00Z&to=2027-01-15T13:00:00Z",
        )).map((r) => r.name),
        ["fws05_aborted.h5", "fws03_0002.h5", "fws03_0001.h5"],
      );
      const page2 = await rows("limit=3&offset=3");
      assertEquals(
        page2.map((r) => r.name),
        all.slice(3, 6).map((r) => r.name),
      );
      assertEquals(all.find((r) => r.name === "fws03_fork.h5")!.wires, 3);
    });

    await t.step("a bad search is a 400 naming the field", async () => {
      for (
        const [q, want] of [
          ["scanner=abc", /^scanner: expected a scanner index 1–99, got 'abc'/],
          ["status=lost", /^status: expected one of running, completed/],
          ["from=yesterday", /^from: expected a date and time/],
          ["limit=-1", /^limit: expected a whole number/],
        ] as const
      ) {
        const r = await get(`/history/api/scans?${q}`);
        assertEquals(r.status, 400);
        assertMatch(await r.text(), want);
      }
    });

    await t.step("the list as CSV, formulas defused", async () => {
      const r = await get("/history/api/scans.csv");
      assertMatch(r.headers.get("content-type") ?? "", /^text\/csv/);
      const lines = (await r.text()).trim().split("\n");
      assertEquals(lines.length, 9);
      assertMatch(lines[0], /^start,end,scanner,file,status,message/);
      const aborted = lines.find((l) => l.includes("fws05_aborted.h5"))!;
      assert(
        aborted.endsWith(`"'=HYPERLINK(""x""), beam lost"`),
        `the formula comment is quoted and prefixed: ${aborted}`,
      );
    });

    await t.step(
      "the trend is the catalog's, with drift from the reference",
      async () => {
        const r = await get("/history/api/trend?channel=PDB&scanner=3");
        const trend = await r.json() as TrendPayload;
        const catalog = ScanCatalog.open(h.dir, { readOnly: true });
        const points = catalog.trend({ channel: "PDB", scanner: 3 });
        catalog.close();
        assertEquals(trend.t, points.map((p) => p.timeMs));
        assertEquals(trend.sigma, points.map((p) => p.ok ? p.sigma : null));
        assertEquals(
          trend.files.map((f) => f.name),
          [...h.files, h.fork].map((p) => basename(p)),
        );
        assertEquals(trend.files[1].t, Date.parse("2027-01-15T11:00:00Z"));
        const ref = (await referenceValues(h.files[0])).PDB;
        assertEquals(trend.reference?.file, basename(h.files[0]));
        assertAlmostEquals(trend.reference!.sigma!, ref.sigma, 1e-12);
        points.forEach((p, i) => {
          assertAlmostEquals(trend.drift![i]!, driftOf(p, ref).z, 1e-9);
        });
        assertEquals(trend.alarm, { high: 3, hihi: 5 });
        // no range searched: the newest 30 days of scanner 3's data
        assertEquals(trend.range, {
          from: Date.parse("2027-01-16T09:00:00Z") - 30 * 86_400_000,
          to: null,
          latest: true,
        });
        const ranged = await (await get(
          "/history/api/trend?channel=PDB&from=2027-01-15T11:00:00Z&to=2027-01-15T12:00:00Z",
        )).json() as TrendPayload;
        assertEquals(ranged.range.latest, false);
        assertEquals(ranged.files.map((f) => f.name), ["fws03_0001.h5"]);
        const csv = (await (await get(
          "/history/api/trend.csv?channel=PDB&scanner=3",
        )).text()).trim().split("\n");
        assertEquals(csv.length, points.length + 1);
        assertMatch(csv[1], /^2027-01-15T10:00:00.000Z,fws03_0000.h5,1,true,/);
      },
    );

    await t.step("a wire's trend holds the fork's wire fits", async () => {
      const chans = ScanCatalog.open(h.dir, { readOnly: true });
      const wires = chans.channels().find((c) => c.channel === "PDB")!.wires;
      chans.close();
      assertEquals(wires.length, 3);
      const r = await get(`/history/api/trend?channel=PDB&wire=${wires[1]}`);
      const trend = await r.json() as TrendPayload;
      assertEquals(trend.files.map((f) => f.name), ["fws03_fork.h5"]);
      assertEquals(trend.t.length, 1);
      assert(trend.sigma[0]! > 0);
      assertEquals(trend.drift, undefined);
      assertMatch(trend.referenceNote ?? "", /not per wire/);
    });

    await t.step("the overlay of picked scans", async () => {
      const r = await get(
        "/history/api/overlay?struck=PDB&buckets=50&pick=fws03_0001.h5&pick=fws03_0004.h5%232",
      );
      assertEquals(r.status, 200);
      assertEquals(JSON.parse(r.headers.get("x-labels")!), [
        "fws03_0001.h5 #1",
        "fws03_0001.h5 #2",
        "fws03_0004.h5 #2",
      ]);
      assertEquals(r.headers.get("x-rows"), "100");
      const body = new Float32Array(await r.arrayBuffer());
      assertEquals(body.length, 100 * 4);
      const bad = await get(
        "/history/api/overlay?struck=PDB&pick=fws03_0001.h5%237",
      );
      assertEquals(bad.status, 400);
      assertMatch(
        await bad.text(),
        /has no repetition 7; expected one of 1, 2/,
      );
      const missing = await get("/history/api/overlay?struck=PDB&pick=x.h5");
      assertEquals(missing.status, 404);
    });

    await t.step("each file opens in the file view", async () => {
      const slashless = await get("/history/file/fws03_0002.h5");
      assertEquals(slashless.status, 308);
      assertEquals(
        slashless.headers.get("location"),
        "/history/file/fws03_0002.h5/",
      );
      const page = await get("/history/file/fws03_0002.h5/");
      assertEquals(page.status, 200);
      const html = await page.text();
      assertMatch(html, /fws03_0002\.h5/);
      assertMatch(html, /href="\/history"/);
      const fits = await (await get(
        "/history/file/fws03_0002.h5/api/fits?struck=PDB&iops=ch1",
      )).json();
      assertEquals(fits.rows.length, 2);
      for (
        const path of [
          "/history/file/nope.h5/",
          "/history/file/..%2Ffws_catalog.sqlite/",
          "/history/file/fws_reference.json/",
        ]
      ) {
        const r = await get(path);
        assertEquals(r.status, 404, path);
        assertMatch(await r.text(), /in the catalog of/);
      }
    });

    await t.step(
      "/history/latest/N redirects to the newest scan of N",
      async () => {
        const r = await get("/history/latest/3");
        assertEquals(r.status, 302);
        assertEquals(r.headers.get("location"), "/history/file/fws03_fork.h5/");
        assertEquals(
          (await get("/history/latest/5")).headers.get("location"),
          "/history/file/fws05_aborted.h5/",
        );
        const none = await get("/history/latest/7");
        assertEquals(none.status, 404);
        assertMatch(
          await none.text(),
          /no scan of scanner 7 in the catalog of .*; it has scanners 3, 5/,
        );
      },
    );

    await t.step("the page renders the first list on the server", async () => {
      const root = await get("/");
      assertEquals(root.status, 302);
      assertEquals(root.headers.get("location"), "/history");
      const html = await (await get("/history?user=alice")).text();
      assertEquals(html.match(/<tr data-file=/g)?.length, 3);
      assertMatch(html, /fws03_0000\.h5<\/a><span class="badge ref"/);
      assertMatch(html, /latest of scanner 5/);
      // the file server's pages are not the history's
      const api = await get("/api/fits?struck=PDB&iops=ch1");
      assertEquals(api.status, 400);
    });
  } finally {
    await server.close();
    await Deno.remove(h.dir, { recursive: true });
  }
});

Deno.test("history: the catalog is opened read-only, and a missing one is named", async () => {
  const h = await historyDir();
  try {
    const catalog = ScanCatalog.open(h.dir, { readOnly: true });
    try {
      await assertRejects(
        () => catalog.addFile(h.files[0], { force: true }),
        /readonly database/,
      );
      assertThrows(() => catalog.remove(h.files[0]), /readonly database/);
    } finally {
      catalog.close();
    }
    const empty = await Deno.makeTempDir();
    try {
      await assertRejects(
        () => startHistoryServer(empty),
        /fws_catalog\.sqlite does not exist; expected an fws catalog: build it with `fws index <dir>`/,
      );
    } finally {
      await Deno.remove(empty, { recursive: true });
    }
  } finally {
    await Deno.remove(h.dir, { recursive: true });
  }
});
