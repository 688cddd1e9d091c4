/**
 * Resolves client settings from options and the EPICS_CA_* environment the
 * way libca reads them.
 *
 * @module
 */
import { CA_REPEATER_PORT, CA_SERVER_PORT } from "./codec/constants.ts";
import type { CAClientOptions } from "./client_types.ts";

/** A search destination. */
export interface SearchAddress {
  host: string;
  port: number;
}

/** Fully resolved client settings. */
export interface ClientConfig {
  addresses: SearchAddress[];
  serverPort: number;
  repeaterPort: number;
  /** Seconds. */
  connectionTimeout: number;
  /** Seconds. */
  maxSearchPeriod: number;
  /** Seconds. */
  timeout: number;
  maxArrayBytes: number;
}

function env(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    return undefined; // no env permission: behave as if unset
  }
}

function envNumber(name: string): number | undefined {
  const v = env(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function envPort(name: string): number | undefined {
  const n = envNumber(name);
  return n !== undefined && Number.isInteger(n) && n > 0 && n < 65536
    ? n
    : undefined;
}

/** Parses "host[:port]" with `port` as the default. */
export function parseAddress(text: string, port: number): SearchAddress {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) {
    throw new TypeError(
      `CA address '${text}' is not valid; expected host or host:port`,
    );
  }
  const p = m[2] === undefined ? port : Number(m[2]);
  if (!(p > 0 && p < 65536)) {
    throw new TypeError(
      `CA address '${text}' has a bad port; expected 1–65535`,
    );
  }
  return { host: m[1], port: p };
}

/** Broadcast addresses of the host's non-loopback IPv4 interfaces. */
export function broadcastAddresses(): string[] {
  let interfaces: Deno.NetworkInterfaceInfo[];
  try {
    interfaces = Deno.networkInterfaces();
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const i of interfaces) {
    if (i.family !== "IPv4" || i.address.startsWith("127.")) continue;
    const a = i.address.split(".").map(Number);
    const m = i.netmask.split(".").map(Number);
    out.add(a.map((x, k) => (x | (~m[k] & 255)) & 255).join("."));
  }
  return [...out];
}

/** Merges options with EPICS_CA_* variables and libca's defaults. */
export function resolveConfig(options: CAClientOptions = {}): ClientConfig {
  const serverPort = options.serverPort ?? envPort("EPICS_CA_SERVER_PORT") ??
    CA_SERVER_PORT;
  const list = options.addrList ??
    (env("EPICS_CA_ADDR_LIST")?.split(/\s+/) ?? []);
  const auto = options.autoAddrList ??
    (env("EPICS_CA_AUTO_ADDR_LIST")?.toUpperCase() !== "NO");
  const addresses = list.filter((s) => s !== "").map((s) =>
    parseAddress(s, serverPort)
  );
  if (auto) {
    for (const host of broadcastAddresses()) {
      addresses.push({ host, port: serverPort });
    }
  }
  const envTmo = envNumber("EPICS_CA_CONN_TMO");
  const envSearch = envNumber("EPICS_CA_MAX_SEARCH_PERIOD");
  return {
    addresses,
    serverPort,
    repeaterPort: options.repeaterPort ?? envPort("EPICS_CA_REPEATER_PORT") ??
      CA_REPEATER_PORT,
    connectionTimeout: Math.max(
      0.1,
      options.connectionTimeout ?? envTmo ?? 30,
    ),
    // libca enforces a 60 s floor on the environment value
    maxSearchPeriod: options.maxSearchPeriod !== undefined
      ? Math.max(0.1, options.maxSearchPeriod)
      : Math.max(60, envSearch ?? 300),
    timeout: options.timeout ?? 5,
    maxArrayBytes: Math.max(
      64 * 1024 * 1024,
      options.maxArrayBytes ?? envNumber("EPICS_CA_MAX_ARRAY_BYTES") ?? 0,
    ) + 4096,
  };
}
