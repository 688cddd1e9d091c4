/**
 * What the server circuit state shares with its transport and its server:
 * the transport and host interfaces, limits, channels and subscriptions.
 *
 * @module
 */
import {
  CAProtocolError,
  DBE_ALARM,
  DBE_LOG,
  DBE_PROPERTY,
  DBE_VALUE,
  dbrInfo,
} from "../codec/mod.ts";
import { ECA, type ECAName } from "../errors.ts";
import {
  PVRequestError,
  type PVSubscriber,
  type ServerPV,
} from "../server_pv.ts";

/** Where a circuit's replies go. */
export interface CircuitTransport {
  /** Queues bytes for the client, in order. */
  send(chunks: Uint8Array[]): void;
  /**
   * Bytes queued and not yet handed to the kernel; 0 also promises that
   * every chunk sent so far is done with (the circuit reuses its memory).
   */
  readonly backlog: number;
  /** Closes the connection. */
  end(): void;
}

/** What a circuit needs from its server. */
export interface CircuitHost {
  /** The PV of that name, if served. */
  findPV(name: string): ServerPV | undefined;
  /** The server's TCP port (for SEARCH over TCP). */
  readonly tcpPort: number;
  /** Largest payload a client may send. */
  readonly maxPayload: number;
  /** Unsent reply bytes at which a circuit is closed (default: no limit). */
  readonly maxQueued?: number;
  /** Log sink. */
  log(level: "debug" | "info" | "warn", message: string): void;
}

/** Every DBE_* event bit: a subscription must ask for at least one. */
export const DBE_ANY = DBE_VALUE | DBE_LOG | DBE_ALARM | DBE_PROPERTY;

/** Monitor updates are held back (coalesced) while this much is queued. */
export const CIRCUIT_HIGH_WATER = 4 * 1024 * 1024;
/** Most channels one circuit may create. */
export const MAX_CHANNELS_PER_CIRCUIT = 100_000;
/** Most subscriptions one circuit may hold. */
export const MAX_SUBSCRIPTIONS_PER_CIRCUIT = 100_000;

/** A channel of a circuit: server and client ids and the PV. */
export interface Channel {
  sid: number;
  cid: number;
  pv: ServerPV;
  subs: Set<Subscription>;
}

/** One EVENT_ADD of a circuit; `post` queues its update on the circuit. */
export class Subscription implements PVSubscriber {
  constructor(
    readonly post: (sub: Subscription) => void,
    readonly channel: Channel,
    readonly subid: number,
    readonly dataType: number,
    readonly count: number,
    readonly mask: number,
  ) {}

  notify(): void {
    this.post(this);
  }
}

/** The ECA status an EVENT_ADD is refused with, if it is. */
export function subscriptionRefusal(
  msg: { dataType: number; count: number; mask: number },
  pv: ServerPV,
): number | undefined {
  if (dbrInfo(msg.dataType) === undefined) return ECA.ECA_BADTYPE;
  if (msg.count > pv.maxCount) return ECA.ECA_BADCOUNT;
  if ((msg.mask & DBE_ANY) === 0) return ECA.ECA_BADMASK;
  return undefined;
}

/** The ECA code a failed read or monitor update is answered with. */
export function statusOf(error: unknown): number {
  if (error instanceof PVRequestError) {
    return ECA[error.status];
  }
  if (error instanceof CAProtocolError) return ECA.ECA_BADTYPE;
  return ECA.ECA_GETFAIL;
}

/** The ECA status a write whose value could not be decoded is refused with. */
export function writeStatusOf(error: unknown): ECAName {
  if (error instanceof PVRequestError) return error.status;
  return error instanceof CAProtocolError ? "ECA_BADCOUNT" : "ECA_PUTFAIL";
}
