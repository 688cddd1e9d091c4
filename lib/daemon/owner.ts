/**
 * One daemon per scanner. A daemon publishes itself on `SCAN:OWNER` (host,
 * pid, version, since when) and beats `SCAN:HEARTBEAT`. Before it takes a
 * scanner, {@linkcode claimScanner} looks for a live owner: one whose
 * heartbeat still changes. A live owner makes the claim fail with
 * {@linkcode ScannerOwnedError} naming it; an owner whose heartbeat has
 * stopped (a daemon that died, e.g. before systemd restarts it) is taken
 * over, with a warning. Two daemons that claim at the same moment both
 * write `SCAN:OWNER`; the one that does not read its own name back yields.
 *
 * @module
 */
import { type CaPort, scalar, textOf } from "../scan/ca_port.ts";
import { sleep } from "../scan/wait.ts";
import { log } from "../log.ts";
import type { FWSScanInterface } from "../pvmap/mod.ts";
import { asciiText, textToChars } from "./status.ts";

/** A live daemon already drives the scanner. */
export class ScannerOwnedError extends Error {
  /** What the running daemon published on SCAN:OWNER. */
  readonly owner: string;

  /**
   * @param prefix the scanner's PV prefix
   * @param owner the running daemon, as it published itself
   */
  constructor(prefix: string, owner: string) {
    super(
      `scanner ${prefix} is already driven by ${
        owner || "another daemon (its SCAN:HEARTBEAT is beating)"
      }; stop that daemon first (only one daemon may drive a scanner)`,
    );
    this.name = "ScannerOwnedError";
    this.owner = owner;
  }
}

/** Options of {@linkcode claimScanner}. */
export interface ClaimOptions {
  /** What this daemon publishes on SCAN:OWNER. */
  identity: string;
  /** The heartbeat period of daemons [s]; default 1. */
  heartbeatInterval?: number;
  /** Timeout of each read [s]; default 2. */
  timeout?: number;
}

/** `host pid 1234 fws 0.1.0 since 2026-12-02T13:00:00Z`, in ASCII. */
export function ownerIdentity(
  info: { host: string; pid: number; program: string; version: string },
): string {
  const since = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return asciiText(
    `${info.host} pid ${info.pid} ${info.program} ${info.version} since ${since}`,
  );
}

/**
 * Claims the scanner for this daemon. When `SCAN:OWNER` names a daemon
 * (or is not in the map), watches `SCAN:HEARTBEAT` for 2.5 heartbeat
 * periods and refuses when it changes; then writes `SCAN:OWNER` and reads
 * it back half a period later. An IOC that cannot be reached is no owner:
 * the claim then succeeds (the daemon reports the missing connection
 * itself).
 *
 * @throws {ScannerOwnedError} when a live daemon drives the scanner
 */
export async function claimScanner(
  ca: CaPort,
  pvs: FWSScanInterface,
  options: ClaimOptions,
): Promise<void> {
  const logger = log("daemon", "owner");
  const heartbeat = pvs.pv("scan.heartbeat");
  const ownerPv = pvs.pv("scan.owner");
  const timeout = options.timeout ?? 2;
  const period = options.heartbeatInterval ?? 1;
  const read = async (pv: string | null) => {
    if (!pv) return undefined;
    try {
      return (await ca.get(pv, { timeout })).value;
    } catch {
      return undefined; // unreachable: no owner to respect
    }
  };
  const current = await read(ownerPv);
  // unreachable: there is no owner to respect, and nothing to claim yet
  if (ownerPv && current === undefined) return;
  const claimed = textOf(current);
  if (heartbeat && (claimed || !ownerPv)) {
    const beats = new Set<number>();
    const sub = ca.monitor(heartbeat, (v) => beats.add(scalar(v)));
    try {
      await sleep(2.5 * period);
    } finally {
      sub.cancel();
    }
    const owner = textOf(await read(ownerPv));
    if (beats.size > 1) throw new ScannerOwnedError(pvs.prefix, owner);
    if (owner) {
      logger.warn(
        "taking over {prefix} from {owner}, whose heartbeat has stopped",
        { prefix: pvs.prefix, owner },
      );
    }
  }
  if (!ownerPv) return;
  try {
    await ca.put(ownerPv, textToChars(options.identity), {
      wait: true,
      timeout,
    });
  } catch (error) {
    logger.warn("could not publish {pv}: {error}", {
      pv: ownerPv,
      error: (error as Error).message,
    });
    return;
  }
  // two daemons that claimed together: the last writer keeps the scanner
  await sleep(0.5 * period);
  const now = textOf(await read(ownerPv));
  if (now && now !== options.identity) {
    throw new ScannerOwnedError(pvs.prefix, now);
  }
}

/** Clears `SCAN:OWNER` when this daemon stops (if it still owns it). */
export async function releaseScanner(
  ca: CaPort,
  pvs: FWSScanInterface,
  identity: string,
): Promise<void> {
  const ownerPv = pvs.pv("scan.owner");
  if (!ownerPv) return;
  try {
    const now = textOf((await ca.get(ownerPv, { timeout: 1 })).value);
    if (now === identity) {
      await ca.put(ownerPv, textToChars(""), { wait: true, timeout: 1 });
    }
  } catch {
    // the IOC is gone: nothing to clear
  }
}
