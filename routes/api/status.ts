/**
 * `GET /api/status` — what this server serves and which permissions the
 * process still holds (write and run must be gone), as JSON.
 *
 * @module
 */
import {
  json,
  type RouteContext,
  type RouteHandlers,
} from "../_lib/context.ts";

const NAMES = ["read", "write", "net", "env", "sys", "run", "ffi"] as const;

/** The handlers. */
export const handler: RouteHandlers = {
  GET(ctx: RouteContext): Response {
    const permissions: Record<string, string> = {};
    for (const name of NAMES) {
      permissions[name] = Deno.permissions.querySync({ name }).state;
    }
    return json({
      file: ctx.data.file,
      scans: ctx.data.run.scans.length,
      struckChannels: ctx.data.struckChannels,
      iopsChannels: ctx.data.iopsChannels,
      permissions,
    });
  },
};
