/**
 * The one reader of the EPICS_CA_* / EPICS_CAS_* environment, for the client
 * and the server alike: values trimmed, empty as unset, ports checked.
 *
 * @module
 */

/** A host and a port, e.g. a search destination or a beacon address. */
export interface HostPort {
  host: string;
  port: number;
}

/** The variable's trimmed value; undefined when unset, empty or not permitted. */
export function env(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    return undefined; // no env permission: behave as if unset
  }
}

/** The variable as a finite number ≥ `min`, else undefined. */
export function envNumber(name: string, min = -Infinity): number | undefined {
  const v = env(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= min ? n : undefined;
}

/** The variable as a port 1–65535, else undefined. */
export function envPort(name: string): number | undefined {
  const n = envNumber(name);
  return n !== undefined && isPort(n) ? n : undefined;
}

/** The variable as a whitespace-separated list, else undefined. */
export function envList(name: string): string[] | undefined {
  return env(name)?.split(/\s+/).filter((s) => s !== "");
}

/** The variable as YES/NO (anything but NO is yes), `fallback` when unset. */
export function envYes(name: string, fallback: boolean): boolean {
  const v = env(name);
  return v === undefined ? fallback : v.toUpperCase() !== "NO";
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n < 65536;
}

/**
 * Parses "host[:port]" with `port` as the default. Throws a TypeError naming
 * the entry when it is malformed or its port is not 1–65535.
 */
export function parseAddress(text: string, port: number): HostPort {
  const m = /^([^:\s]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) {
    throw new TypeError(
      `CA address '${text}' is not valid; expected host or host:port`,
    );
  }
  const p = m[2] === undefined ? port : Number(m[2]);
  if (!isPort(p)) {
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
    return []; // no sys permission: nothing to add
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
