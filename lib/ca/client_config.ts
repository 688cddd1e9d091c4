/**
 * Resolves client settings from options and the EPICS_CA_* environment the
 * way libca reads them.
 *
 * @module
 */
import { CA_REPEATER_PORT, CA_SERVER_PORT } from "./codec/constants.ts";
import type { CAClientOptions } from "./client_types.ts";
import {
  broadcastAddresses,
  envList,
  envNumber,
  envPort,
  envYes,
  type HostPort,
  parseAddress,
} from "./env.ts";

export { broadcastAddresses, parseAddress } from "./env.ts";

/** A search destination. */
export type SearchAddress = HostPort;

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

/** Merges options with EPICS_CA_* variables and libca's defaults. */
export function resolveConfig(options: CAClientOptions = {}): ClientConfig {
  const serverPort = options.serverPort ?? envPort("EPICS_CA_SERVER_PORT") ??
    CA_SERVER_PORT;
  const list = options.addrList ?? envList("EPICS_CA_ADDR_LIST") ?? [];
  const auto = options.autoAddrList ?? envYes("EPICS_CA_AUTO_ADDR_LIST", true);
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
