/**
 * `GET /api/status` — what this server serves, which permissions the serving
 * thread holds (none but `net` on loopback under `fws plot`), and where it
 * may use the network, as JSON.
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
    const net = (host: string) =>
      Deno.permissions.querySync({ name: "net", host }).state;
    return json({
      file: ctx.data.file,
      scans: ctx.data.run.scans.length,
      struckChannels: ctx.data.struckChannels,
      iopsChannels: ctx.data.iopsChannels,
      permissions,
      // TEST-NET-1 (RFC 5737) stands for "anywhere but loopback"
      network: { loopback: net("127.0.0.1"), elsewhere: net("192.0.2.1") },
    });
  },
};
