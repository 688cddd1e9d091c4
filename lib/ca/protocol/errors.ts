/**
 * Protocol errors that say which side broke the Channel Access protocol:
 * `"local"` (this program asked for something illegal in the circuit's or
 * channel's state) or `"remote"` (the peer sent something illegal).
 *
 * @module
 */
import { CAProtocolError } from "../codec/mod.ts";

/** Which side of a circuit broke the protocol. */
export type ProtocolSide = "local" | "remote";

/** A protocol violation, attributed to the local or the remote side. */
export class CAProtocolViolation extends CAProtocolError {
  /** Who broke the protocol. */
  readonly side: ProtocolSide;
  /**
   * @param side who broke the protocol
   * @param message what was wrong, and what was expected
   */
  constructor(side: ProtocolSide, message: string) {
    super(`${side} protocol error: ${message}`);
    this.name = side === "local" ? "LocalProtocolError" : "RemoteProtocolError";
    this.side = side;
  }
}

/** This program broke the protocol (a bug here, not in the peer). */
export class LocalProtocolError extends CAProtocolViolation {
  /** @param message what was wrong, and what was expected */
  constructor(message: string) {
    super("local", message);
  }
}

/** The peer broke the protocol (malformed or illegal message). */
export class RemoteProtocolError extends CAProtocolViolation {
  /** @param message what was wrong, and what was expected */
  constructor(message: string) {
    super("remote", message);
  }
}

/** `error` as a violation by the peer, unless it already names a side. */
export function asRemote(error: unknown): CAProtocolViolation {
  if (error instanceof CAProtocolViolation) return error;
  return new RemoteProtocolError((error as Error).message);
}
