/**
 * CA requests (client → server): types, encoder and decoder.
 *
 * @module
 */
import { Command, DO_REPLY, DONT_REPLY } from "./constants.ts";
import type { RawMessage } from "./header.ts";
import {
  type ClearChannelMessage,
  decodeShared,
  type EchoMessage,
  encodeShared,
  frame,
  ipToNumber,
  namePayload,
  needPayload,
  numberToIp,
  unexpected,
  type VersionMessage,
} from "./message_base.ts";
import { decodeCString } from "./text.ts";

/** SEARCH request (UDP or TCP): find `name`; the reply echoes `cid`. */
export interface SearchRequest {
  command: "SEARCH";
  name: string;
  cid: number;
  version: number;
  /** Whether a server that lacks the PV should answer NOT_FOUND. */
  reply: boolean;
}
/** CREATE_CHAN request. */
export interface CreateChanRequest {
  command: "CREATE_CHAN";
  name: string;
  cid: number;
  version: number;
}
/** HOST_NAME request. */
export interface HostNameRequest {
  command: "HOST_NAME";
  name: string;
}
/** CLIENT_NAME (user name) request. */
export interface ClientNameRequest {
  command: "CLIENT_NAME";
  name: string;
}
/** READ_NOTIFY request (count 0 = the server's current element count). */
export interface ReadNotifyRequest {
  command: "READ_NOTIFY";
  dataType: number;
  count: number;
  sid: number;
  ioid: number;
}
/** WRITE (no reply) or WRITE_NOTIFY (reply when complete) request. */
export interface WriteRequest {
  command: "WRITE" | "WRITE_NOTIFY";
  dataType: number;
  count: number;
  sid: number;
  ioid: number;
  /** DBR payload from `encodeDbr`. */
  payload: Uint8Array;
}
/** EVENT_ADD request: subscribe with a DBE_* mask. */
export interface EventAddRequest {
  command: "EVENT_ADD";
  dataType: number;
  count: number;
  sid: number;
  subid: number;
  mask: number;
  low?: number;
  high?: number;
  to?: number;
}
/** EVENT_CANCEL request. */
export interface EventCancelRequest {
  command: "EVENT_CANCEL";
  dataType: number;
  count: number;
  sid: number;
  subid: number;
}
/** EVENTS_OFF / EVENTS_ON flow control request. */
export interface FlowControlRequest {
  command: "EVENTS_OFF" | "EVENTS_ON";
}
/** REPEATER_REGISTER request (client's IPv4 address). */
export interface RepeaterRegisterRequest {
  command: "REPEATER_REGISTER";
  address: string;
}

/** Every client → server message. */
export type CARequest =
  | VersionMessage
  | EchoMessage
  | ClearChannelMessage
  | SearchRequest
  | CreateChanRequest
  | HostNameRequest
  | ClientNameRequest
  | ReadNotifyRequest
  | WriteRequest
  | EventAddRequest
  | EventCancelRequest
  | FlowControlRequest
  | RepeaterRegisterRequest;

/** Encodes a client → server message as one frame. */
export function encodeRequest(msg: CARequest): Uint8Array {
  switch (msg.command) {
    case "VERSION":
    case "ECHO":
    case "CLEAR_CHANNEL":
      return encodeShared(msg);
    case "SEARCH":
      return frame(Command.SEARCH, {
        dataType: msg.reply ? DO_REPLY : DONT_REPLY,
        dataCount: msg.version,
        param1: msg.cid,
        param2: msg.cid,
      }, namePayload(msg.name));
    case "CREATE_CHAN":
      return frame(Command.CREATE_CHAN, {
        param1: msg.cid,
        param2: msg.version,
      }, namePayload(msg.name));
    case "HOST_NAME":
    case "CLIENT_NAME":
      return frame(Command[msg.command], {}, namePayload(msg.name));
    case "READ_NOTIFY":
      return frame(Command.READ_NOTIFY, {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.sid,
        param2: msg.ioid,
      });
    case "WRITE":
    case "WRITE_NOTIFY":
      return frame(Command[msg.command], {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.sid,
        param2: msg.ioid,
      }, msg.payload);
    case "EVENT_ADD": {
      const info = new Uint8Array(16);
      const view = new DataView(info.buffer);
      view.setFloat32(0, msg.low ?? 0);
      view.setFloat32(4, msg.high ?? 0);
      view.setFloat32(8, msg.to ?? 0);
      view.setUint16(12, msg.mask);
      return frame(Command.EVENT_ADD, {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.sid,
        param2: msg.subid,
      }, info);
    }
    case "EVENT_CANCEL":
      return frame(Command.EVENT_CANCEL, {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.sid,
        param2: msg.subid,
      });
    case "EVENTS_OFF":
    case "EVENTS_ON":
      return frame(Command[msg.command], {});
    case "REPEATER_REGISTER":
      return frame(Command.REPEATER_REGISTER, {
        param2: ipToNumber(msg.address),
      });
  }
}

/** Decodes a client → server message; unknown or malformed → CAProtocolError. */
export function decodeRequest(raw: RawMessage): CARequest {
  switch (raw.command) {
    case Command.SEARCH:
      needPayload(raw, 1, "SEARCH request");
      return {
        command: "SEARCH",
        name: decodeCString(raw.payload),
        cid: raw.param1,
        version: raw.dataCount,
        reply: raw.dataType === DO_REPLY,
      };
    case Command.CREATE_CHAN:
      return {
        command: "CREATE_CHAN",
        name: decodeCString(raw.payload),
        cid: raw.param1,
        version: raw.param2,
      };
    case Command.HOST_NAME:
      return { command: "HOST_NAME", name: decodeCString(raw.payload) };
    case Command.CLIENT_NAME:
      return { command: "CLIENT_NAME", name: decodeCString(raw.payload) };
    case Command.READ_NOTIFY:
      return {
        command: "READ_NOTIFY",
        dataType: raw.dataType,
        count: raw.dataCount,
        sid: raw.param1,
        ioid: raw.param2,
      };
    case Command.WRITE:
    case Command.WRITE_NOTIFY:
      return {
        command: raw.command === Command.WRITE ? "WRITE" : "WRITE_NOTIFY",
        dataType: raw.dataType,
        count: raw.dataCount,
        sid: raw.param1,
        ioid: raw.param2,
        payload: raw.payload,
      };
    case Command.EVENT_ADD: {
      needPayload(raw, 14, "EVENT_ADD request");
      const view = new DataView(
        raw.payload.buffer,
        raw.payload.byteOffset,
        raw.payload.byteLength,
      );
      return {
        command: "EVENT_ADD",
        dataType: raw.dataType,
        count: raw.dataCount,
        sid: raw.param1,
        subid: raw.param2,
        low: view.getFloat32(0),
        high: view.getFloat32(4),
        to: view.getFloat32(8),
        mask: view.getUint16(12),
      };
    }
    case Command.EVENT_CANCEL:
      return {
        command: "EVENT_CANCEL",
        dataType: raw.dataType,
        count: raw.dataCount,
        sid: raw.param1,
        subid: raw.param2,
      };
    case Command.EVENTS_OFF:
      return { command: "EVENTS_OFF" };
    case Command.EVENTS_ON:
      return { command: "EVENTS_ON" };
    case Command.REPEATER_REGISTER:
      return { command: "REPEATER_REGISTER", address: numberToIp(raw.param2) };
    default: {
      const shared = decodeShared(raw);
      if (shared) return shared;
      throw unexpected(raw, "request");
    }
  }
}
