/**
 * What CA requests and responses share: the messages that look the same in
 * both directions, IPv4 helpers and frame building.
 *
 * @module
 */
import {
  align8,
  CAProtocolError,
  type HeaderFields,
  headerSize,
  type RawMessage,
  writeHeader,
} from "./header.ts";
import { Command } from "./constants.ts";
import { encoder } from "./text.ts";

/** VERSION, both directions: priority, minor version, UDP sequence number. */
export interface VersionMessage {
  command: "VERSION";
  priority: number;
  version: number;
  sequence?: number;
}
/** ECHO, both directions. */
export interface EchoMessage {
  command: "ECHO";
}
/** CLEAR_CHANNEL, both directions. */
export interface ClearChannelMessage {
  command: "CLEAR_CHANNEL";
  sid: number;
  cid: number;
}
/** A message that looks the same in both directions. */
export type SharedMessage = VersionMessage | EchoMessage | ClearChannelMessage;

/**
 * Decodes VERSION, ECHO and CLEAR_CHANNEL, which mean the same in requests
 * and responses; `undefined` for any other command.
 */
export function decodeShared(raw: RawMessage): SharedMessage | undefined {
  switch (raw.command) {
    case Command.VERSION:
      return {
        command: "VERSION",
        priority: raw.dataType,
        version: raw.dataCount,
        sequence: raw.param1,
      };
    case Command.ECHO:
      return { command: "ECHO" };
    case Command.CLEAR_CHANNEL:
      return { command: "CLEAR_CHANNEL", sid: raw.param1, cid: raw.param2 };
  }
  return undefined;
}

/** Encodes VERSION, ECHO or CLEAR_CHANNEL (the same in both directions). */
export function encodeShared(msg: SharedMessage): Uint8Array {
  switch (msg.command) {
    case "VERSION":
      return frame(Command.VERSION, {
        dataType: msg.priority,
        dataCount: msg.version,
        param1: msg.sequence ?? 0,
      });
    case "ECHO":
      return frame(Command.ECHO, {});
    case "CLEAR_CHANNEL":
      return frame(Command.CLEAR_CHANNEL, { param1: msg.sid, param2: msg.cid });
  }
}

/** IPv4 dotted quad ↔ 32-bit host-order number. */
export function ipToNumber(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) {
    throw new CAProtocolError(`'${ip}' is not an IPv4 address`);
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>>
    0;
}

/** 32-bit number → IPv4 dotted quad. */
export function numberToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** @internal a NUL-terminated name padded to 8 bytes */
export function namePayload(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  const out = new Uint8Array(align8(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** @internal one frame: header fields plus padded payload */
export function frame(
  command: number,
  fields: Partial<HeaderFields>,
  payload?: Uint8Array,
): Uint8Array {
  const size = align8(payload?.length ?? 0);
  const dataCount = fields.dataCount ?? 0;
  const hsize = headerSize(size, dataCount);
  const out = new Uint8Array(hsize + size);
  writeHeader(new DataView(out.buffer), 0, {
    command,
    dataType: fields.dataType ?? 0,
    dataCount,
    param1: fields.param1 ?? 0,
    param2: fields.param2 ?? 0,
    payloadSize: size,
  });
  if (payload) out.set(payload, hsize);
  return out;
}

/** @internal */
export function unexpected(
  raw: RawMessage,
  direction: string,
): CAProtocolError {
  return new CAProtocolError(
    `unexpected CA command ${raw.command} in a ${direction}; expected one of the commands of caProto.h`,
  );
}

/** @internal */
export function needPayload(
  raw: RawMessage,
  bytes: number,
  what: string,
): void {
  if (raw.payload.length < bytes) {
    throw new CAProtocolError(
      `CA ${what} needs a ${bytes}-byte payload; got ${raw.payload.length} bytes`,
    );
  }
}
