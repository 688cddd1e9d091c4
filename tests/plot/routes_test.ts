/**
 * The router is derived from the files of routes/: the generated manifest is
 * current, file names map to URL patterns as in Fresh, and every route
 * exports Fresh's `handler = { GET }`. Island props survive serialisation,
 * a signal shared by two islands coming back as one.
 */
import { signal } from "@preact/signals";
import { deserializeIslands, serializeIslands } from "../../islands/mod.ts";
import { manifest } from "../../routes/_manifest.gen.ts";
import {
  matchRoute,
  pathToPattern,
  routesOf,
} from "../../routes/_lib/router.ts";
import { ROUTES } from "../../routes/mod.ts";
import {
  MANIFEST,
  manifestSource,
  routeFiles,
} from "../../tools/gen_routes.ts";
import { assert, assertEquals } from "../support/assert.ts";

Deno.test("routes/_manifest.gen.ts is up to date with the files in routes/", async () => {
  assertEquals(
    await Deno.readTextFile(MANIFEST),
    manifestSource(await routeFiles()),
    "regenerate: deno run -R=routes -W=routes tools/gen_routes.ts",
  );
});

Deno.test("route files map to URL patterns as in Fresh", () => {
  assertEquals(pathToPattern("./index.tsx"), "/");
  assertEquals(pathToPattern("./api/profile.ts"), "/api/profile");
  assertEquals(pathToPattern("./api/export.csv.ts"), "/api/export.csv");
  assertEquals(pathToPattern("./scan/[id].ts"), "/scan/:id");
  assertEquals(pathToPattern("./scan/[id]/index.ts"), "/scan/:id");
  assertEquals(pathToPattern("./static/[...path].ts"), "/static/:path*");
  assertEquals(ROUTES.map((r) => r.pattern).sort(), [
    "/",
    "/api/export.csv",
    "/api/fits",
    "/api/live",
    "/api/models",
    "/api/overlay",
    "/api/profile",
    "/api/raw",
    "/api/status",
    "/api/wires",
    "/history",
    "/history/api/overlay",
    "/history/api/scans",
    "/history/api/scans.csv",
    "/history/api/trend",
    "/history/api/trend.csv",
    "/history/latest/:scanner",
    "/static/:path*",
  ]);
});

Deno.test("literal segments win over [name]; [name] and [...name] fill params", () => {
  const mod = manifest.routes["./api/fits.ts"];
  const routes = routesOf({
    "./scan/[id].ts": mod,
    "./scan/latest.ts": mod,
    "./files/[...path].ts": mod,
  });
  assertEquals(
    matchRoute(routes, "/scan/latest")?.route.file,
    "./scan/latest.ts",
  );
  assertEquals(matchRoute(routes, "/scan/7")?.params, { id: "7" });
  assertEquals(matchRoute(routes, "/files/a/b.h5")?.params, {
    path: "a/b.h5",
  });
  assertEquals(matchRoute(routes, "/scan/7/x"), undefined);
  assertEquals(matchRoute(routes, "/scan/"), undefined);
});

Deno.test("every route exports handler = { GET }, the page a Page", () => {
  for (const [file, mod] of Object.entries(manifest.routes)) {
    assertEquals(typeof mod.handler?.GET, "function", file);
  }
  assertEquals(typeof manifest.routes["./index.tsx"].Page, "function");
  assertEquals(typeof manifest.middleware.handler, "function");
});

Deno.test("island props: JSON values, one signal per shared signal, '<' escaped", () => {
  const shared = signal("PDB");
  const text = serializeIslands([
    { name: "A", props: { sel: { struck: shared }, label: "</script>" } },
    { name: "B", props: { sel: { struck: shared }, n: [1, null] } },
  ]);
  assert(!text.includes("<"), text);
  const [a, b] = deserializeIslands(text) as {
    name: string;
    props: { sel: { struck: typeof shared }; label?: string; n?: unknown };
  }[];
  assertEquals(a.props.label, "</script>");
  assertEquals(b.props.n, [1, null]);
  assert(a.props.sel.struck === b.props.sel.struck, "one signal");
  assertEquals(a.props.sel.struck.value, "PDB");
  a.props.sel.struck.value = "PDT";
  assertEquals(b.props.sel.struck.value, "PDT");
});
