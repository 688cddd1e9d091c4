/**
 * The router, derived from the files of `routes/` as Fresh derives it: a
 * file's path is its URL (`api/profile.ts` → `/api/profile`, `index.tsx` →
 * `/`), a segment `[name]` matches one path segment and `[...name]` the rest
 * of the path, both handed to the handler as `ctx.params` (as sent, not
 * percent-decoded). Files and folders
 * whose names begin with `_` are not routes (`_middleware.ts`, `_lib/`), nor
 * is `mod.ts` (the folder's entry: the server's request handler).
 * The file list comes from `routes/_manifest.gen.ts`, which
 * `tools/gen_routes.ts` writes from the folder (a compiled binary cannot
 * list its own sources).
 *
 * @module
 */
import type { MiddlewareModule, RouteModule } from "./context.ts";

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "param"; name: string }
  | { kind: "rest"; name: string };

/** One route: its URL pattern and its module. */
export interface Route {
  /** The file, relative to `routes/` (`./api/profile.ts`). */
  file: string;
  /** The URL pattern, e.g. `/api/profile` or `/static/:path*`. */
  pattern: string;
  module: RouteModule;
  segments: Segment[];
}

/** Whether a file of `routes/` (relative, `/`-separated) is a route. */
export function isRouteFile(file: string): boolean {
  const parts = file.replace(/^\.\//, "").split("/");
  return /\.tsx?$/.test(file) && !/_test\.tsx?$/.test(file) &&
    parts.at(-1) !== "mod.ts" &&
    parts.every((p) => !p.startsWith("_"));
}

function segmentsOf(file: string): Segment[] {
  const parts = file.replace(/^\.\//, "").replace(/\.tsx?$/, "").split("/");
  if (parts.at(-1) === "index") parts.pop();
  return parts.map((part): Segment => {
    const rest = /^\[\.\.\.(\w+)\]$/.exec(part);
    if (rest) return { kind: "rest", name: rest[1] };
    const param = /^\[(\w+)\]$/.exec(part);
    if (param) return { kind: "param", name: param[1] };
    if (/[[\]]/.test(part)) {
      throw new SyntaxError(
        `routes/${file}: segment '${part}'; expected a name, [name] or [...name]`,
      );
    }
    return { kind: "literal", text: part };
  });
}

/**
 * The URL pattern of a route file.
 *
 * @example
 * ```ts
 * pathToPattern("./api/export.csv.ts"); // "/api/export.csv"
 * pathToPattern("./static/[...path].ts"); // "/static/:path*"
 * ```
 */
export function pathToPattern(file: string): string {
  return "/" +
    segmentsOf(file).map((s) =>
      s.kind === "literal"
        ? s.text
        : s.kind === "param"
        ? `:${s.name}`
        : `:${s.name}*`
    ).join("/");
}

const RANK = { literal: 0, param: 1, rest: 2 };

/** The routes of a manifest, most specific first (literal before `[name]`). */
export function routesOf(files: Record<string, RouteModule>): Route[] {
  const routes = Object.entries(files).map(([file, module]) => ({
    file,
    pattern: pathToPattern(file),
    module,
    segments: segmentsOf(file),
  }));
  const key = (r: Route) => r.segments.map((s) => RANK[s.kind]).join("");
  return routes.sort((a, b) => key(a).localeCompare(key(b)));
}

/** The route answering `pathname` and its parameters, if any. */
export function matchRoute(
  routes: Route[],
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = pathname === "/" ? [] : pathname.slice(1).split("/");
  for (const route of routes) {
    const params: Record<string, string> = {};
    let ok = true;
    let i = 0;
    for (const s of route.segments) {
      if (s.kind === "rest") {
        params[s.name] = parts.slice(i).join("/");
        i = parts.length;
        break;
      }
      const part = parts[i++];
      if (part === undefined || part === "") ok = false;
      else if (s.kind === "literal") ok = part === s.text;
      else params[s.name] = part;
      if (!ok) break;
    }
    if (ok && i === parts.length) return { route, params };
  }
  return undefined;
}

/** What `tools/gen_routes.ts` writes into `routes/_manifest.gen.ts`. */
export interface Manifest {
  /** Route modules by file, relative to `routes/` (`./api/profile.ts`). */
  routes: Record<string, RouteModule>;
  /** `routes/_middleware.ts`. */
  middleware: MiddlewareModule;
}
