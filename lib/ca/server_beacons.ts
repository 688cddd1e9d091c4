/**
 * The CA server's RSRV_IS_UP beacons: where they go (EPICS_CAS_BEACON_*)
 * and their period, doubling from 20 ms up to EPICS_CAS_BEACON_PERIOD.
 *
 * @module
 */
import type dgram from "node:dgram";
import {
  CA_MINOR_VERSION,
  CA_REPEATER_PORT,
  encodeResponse,
} from "./codec/mod.ts";
import {
  broadcastAddresses,
  envList,
  envNumber,
  envPort,
  envYes,
  type HostPort,
  parseAddress,
} from "./env.ts";

/** Where and how often beacons go (unset fields come from the environment). */
export interface BeaconOptions {
  /** The interfaces served (decides loopback-only and the beacon address). */
  intf: string[];
  /** The server's TCP port, told in every beacon. */
  tcpPort: number;
  beaconPort?: number;
  beaconAddrList?: string[];
  /** Longest period in seconds. */
  beaconPeriod?: number;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.");
}

/** The beacon destinations of EPICS_CAS_BEACON_ADDR_LIST or the defaults. */
export function beaconDestinations(o: BeaconOptions): HostPort[] {
  const port = o.beaconPort ?? envPort("EPICS_CAS_BEACON_PORT") ??
    envPort("EPICS_CA_REPEATER_PORT") ?? CA_REPEATER_PORT;
  let list = o.beaconAddrList ?? envList("EPICS_CAS_BEACON_ADDR_LIST");
  if (!list) {
    const auto = envYes("EPICS_CAS_AUTO_BEACON_ADDR_LIST", true);
    const loopbackOnly = o.intf.every(isLoopback);
    list = loopbackOnly || !auto ? ["127.0.0.1"] : broadcastAddresses();
    if (list.length === 0) list = ["127.0.0.1"];
  }
  return list.map((e) => parseAddress(e, port));
}

/**
 * Starts beaconing on `socket`; returns the function that stops it.
 *
 * @example
 * ```ts
 * const stop = startBeacons(udp, { intf: ["127.0.0.1"], tcpPort: 5064 });
 * stop();
 * ```
 */
export function startBeacons(
  socket: dgram.Socket,
  o: BeaconOptions,
): () => void {
  const destinations = beaconDestinations(o);
  try {
    socket.setBroadcast(true);
  } catch {
    // loopback-only sockets may refuse; unicast still works
  }
  const maxPeriod =
    (o.beaconPeriod ?? envNumber("EPICS_CAS_BEACON_PERIOD", 0) ?? 15) * 1000;
  let period = 20;
  let beaconId = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const address = o.intf[0] === "0.0.0.0" ? undefined : o.intf[0];
  const beat = (): void => {
    if (stopped) return;
    const bytes = encodeResponse({
      command: "RSRV_IS_UP",
      version: CA_MINOR_VERSION,
      port: o.tcpPort,
      beaconId: beaconId++,
      address,
    });
    for (const d of destinations) {
      try {
        socket.send(bytes, d.port, d.host, () => {});
      } catch {
        // socket closing
      }
    }
    period = Math.min(period * 2, maxPeriod);
    timer = setTimeout(beat, period);
  };
  beat();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
