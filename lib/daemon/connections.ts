/**
 * The daemon's PVs at start-up, as an operator reads the log: while some
 * are unconnected, a WARNING 5 s after the start and every minute after,
 * naming them and where the client searches.
 *
 * @module
 */
import type { CaPort } from "../scan/ca_port.ts";
import type { FWSScanInterface, LogicalName } from "../pvmap/mod.ts";
import type { ScanConfig } from "../scan/config.ts";
import { log } from "../log.ts";

/** Options of {@linkcode warnUnconnected}. */
export interface ConnectionWarningOptions {
  /** Seconds after the start of the first check; default 5. */
  first?: number;
  /** Seconds between later checks; default 60. */
  every?: number;
  /** Where the client searches (`host:port …`), for the message. */
  searchAddresses?: string;
}

/**
 * Warns of the daemon's PVs still unconnected, first after `first` seconds,
 * then every `every` seconds until all are connected; returns the stop.
 * The IOC's own records (e.g. the heartbeat watchdog) are not the daemon's
 * and are left out.
 */
export function warnUnconnected(
  ca: CaPort,
  pvs: FWSScanInterface,
  options: ConnectionWarningOptions = {},
): () => void {
  const logger = log("daemon", "bridge");
  const first = options.first ?? 5;
  const every = options.every ?? 60;
  const channels = pvs.entries().filter((e) => e.spec.direction !== "ioc")
    .map((e) => ca.channel(e.name));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const check = () => {
    const missing = channels.filter((c) => !c.connected).map((c) => c.name);
    if (missing.length === 0 || stopped) return;
    const shown = missing.slice(0, 10).join(", ") +
      (missing.length > 10 ? ` and ${missing.length - 10} more` : "");
    logger.warn(
      "{n} of {total} PVs not connected: {pvs}; searching {where} (from EPICS_CA_ADDR_LIST and EPICS_CA_AUTO_ADDR_LIST)",
      {
        n: missing.length,
        total: channels.length,
        pvs: shown,
        where: options.searchAddresses || "nowhere: no address",
      },
    );
    timer = setTimeout(check, every * 1000);
  };
  timer = setTimeout(check, first * 1000);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Tells the runner (`onFault`) as soon as a hardware channel of the request
 * disconnects (motor, acquisition, the struck channels); the runner decides
 * to end the request as ERROR. Returns the stop.
 */
export function watchHardware(
  ca: CaPort,
  pvs: FWSScanInterface,
  options: {
    config: Pick<ScanConfig, "struckChannels">;
    onFault: (message: string) => void;
  },
): () => void {
  const logical: LogicalName[] = [
    "motor.val",
    "motor.rbv",
    "daq.acquire",
    ...options.config.struckChannels.map((c): LogicalName => `daq.${c}`),
  ];
  const off: (() => void)[] = [];
  for (const l of logical) {
    const pv = pvs.pv(l);
    if (!pv) continue;
    const channel = ca.channel(pv);
    const listener = () => {
      if (!channel.connected) {
        options.onFault(`lost connection to ${pv} (IOC down?)`);
      }
    };
    channel.addEventListener("connection", listener);
    off.push(() => channel.removeEventListener("connection", listener));
  }
  return () => off.forEach((f) => f());
}
