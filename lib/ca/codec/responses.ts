/**
 * CA responses (server → client): types, encoder and decoder.
 *
 * @module
 */
import { Command, DO_REPLY } from "./constants.ts";
import {
  EXTENDED_HEADER_SIZE,
  type HeaderFields,
  type RawMessage,
} from "./header.ts";
import {
  type ClearChannelMessage,
  decodeShared,
  type EchoMessage,
  encodeShared,
  frame,
  ipToNumber,
  needPayload,
  numberToIp,
  unexpected,
  type VersionMessage,
} from "./message_base.ts";
import { decodeCString, encoder } from "./text.ts";

/** SEARCH reply: the server's TCP port and address (undefined = the sender's). */
export interface SearchResponse {
  command: "SEARCH";
  port: number;
  address?: string;
  cid: number;
  version: number;
}
/** NOT_FOUND reply to a SEARCH with reply=true. */
export interface NotFoundResponse {
  command: "NOT_FOUND";
  cid: number;
  version: number;
}
/** CREATE_CHAN reply: native type/count and the server id. */
export interface CreateChanResponse {
  command: "CREATE_CHAN";
  dataType: number;
  count: number;
  cid: number;
  sid: number;
}
/** CREATE_CH_FAIL or SERVER_DISCONN: about client channel `cid`. */
export interface ChannelGoneResponse {
  command: "CREATE_CH_FAIL" | "SERVER_DISCONN";
  cid: number;
}
/** ACCESS_RIGHTS: bit 0 read, bit 1 write. */
export interface AccessRightsResponse {
  command: "ACCESS_RIGHTS";
  cid: number;
  access: number;
}
/** READ_NOTIFY or EVENT_ADD (monitor update) reply carrying DBR data. */
export interface DataResponse {
  command: "READ_NOTIFY" | "EVENT_ADD";
  dataType: number;
  count: number;
  /** ECA status code. */
  status: number;
  /** ioid (READ_NOTIFY) or subscription id (EVENT_ADD). */
  id: number;
  /** DBR payload (empty for the EVENT_CANCEL confirmation). */
  payload: Uint8Array;
  /** The payload's value array is already in host byte order (`RawMessage.nativeOrder`). */
  nativeOrder?: boolean;
}
/** WRITE_NOTIFY completion. */
export interface WriteNotifyResponse {
  command: "WRITE_NOTIFY";
  dataType: number;
  count: number;
  status: number;
  ioid: number;
}
/** RSRV_IS_UP beacon. */
export interface BeaconMessage {
  command: "RSRV_IS_UP";
  version: number;
  port: number;
  beaconId: number;
  /** Server address; undefined when sent as 0 (use the sender's). */
  address?: string;
}
/** REPEATER_CONFIRM. */
export interface RepeaterConfirmResponse {
  command: "REPEATER_CONFIRM";
  address: string;
}
/** ERROR: a request failed; carries the request's header and a text. */
export interface ErrorResponse {
  command: "ERROR";
  cid: number;
  status: number;
  request: HeaderFields;
  message: string;
}

/** Every server → client message. */
export type CAResponse =
  | VersionMessage
  | EchoMessage
  | ClearChannelMessage
  | SearchResponse
  | NotFoundResponse
  | CreateChanResponse
  | ChannelGoneResponse
  | AccessRightsResponse
  | DataResponse
  | WriteNotifyResponse
  | BeaconMessage
  | RepeaterConfirmResponse
  | ErrorResponse;

/** Encodes a server → client message as one frame. */
export function encodeResponse(msg: CAResponse): Uint8Array {
  switch (msg.command) {
    case "VERSION":
    case "ECHO":
    case "CLEAR_CHANNEL":
      return encodeShared(msg);
    case "SEARCH": {
      const payload = new Uint8Array(8);
      new DataView(payload.buffer).setUint16(0, msg.version);
      return frame(Command.SEARCH, {
        dataType: msg.port,
        param1: msg.address === undefined
          ? 0xffffffff
          : ipToNumber(msg.address),
        param2: msg.cid,
      }, payload);
    }
    case "NOT_FOUND":
      return frame(Command.NOT_FOUND, {
        dataType: DO_REPLY,
        dataCount: msg.version,
        param1: msg.cid,
        param2: msg.cid,
      });
    case "CREATE_CHAN":
      return frame(Command.CREATE_CHAN, {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.cid,
        param2: msg.sid,
      });
    case "CREATE_CH_FAIL":
    case "SERVER_DISCONN":
      return frame(Command[msg.command], { param1: msg.cid });
    case "ACCESS_RIGHTS":
      return frame(Command.ACCESS_RIGHTS, {
        param1: msg.cid,
        param2: msg.access,
      });
    case "READ_NOTIFY":
    case "EVENT_ADD":
      return frame(Command[msg.command], {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.status,
        param2: msg.id,
      }, msg.payload);
    case "WRITE_NOTIFY":
      return frame(Command.WRITE_NOTIFY, {
        dataType: msg.dataType,
        dataCount: msg.count,
        param1: msg.status,
        param2: msg.ioid,
      });
    case "RSRV_IS_UP":
      return frame(Command.RSRV_IS_UP, {
        dataType: msg.version,
        dataCount: msg.port,
        param1: msg.beaconId,
        param2: msg.address === undefined ? 0 : ipToNumber(msg.address),
      });
    case "REPEATER_CONFIRM":
      return frame(Command.REPEATER_CONFIRM, {
        param2: ipToNumber(msg.address),
      });
    case "ERROR": {
      const original = frame(msg.request.command, msg.request);
      const text = encoder.encode(msg.message);
      const payload = new Uint8Array(16 + text.length + 1);
      payload.set(original.subarray(0, 16));
      payload.set(text, 16);
      return frame(Command.ERROR, {
        param1: msg.cid,
        param2: msg.status,
      }, payload);
    }
  }
}

/** Decodes a server → client message; unknown or malformed → CAProtocolError. */
export function decodeResponse(raw: RawMessage): CAResponse {
  switch (raw.command) {
    case Command.SEARCH: {
      const version = raw.payload.length >= 2
        ? (raw.payload[0] << 8) | raw.payload[1]
        : 0;
      return {
        command: "SEARCH",
        port: raw.dataType,
        address: raw.param1 === 0xffffffff ? undefined : numberToIp(raw.param1),
        cid: raw.param2,
        version,
      };
    }
    case Command.NOT_FOUND:
      return { command: "NOT_FOUND", cid: raw.param1, version: raw.dataCount };
    case Command.CREATE_CHAN:
      return {
        command: "CREATE_CHAN",
        dataType: raw.dataType,
        count: raw.dataCount,
        cid: raw.param1,
        sid: raw.param2,
      };
    case Command.CREATE_CH_FAIL:
      return { command: "CREATE_CH_FAIL", cid: raw.param1 };
    case Command.SERVER_DISCONN:
      return { command: "SERVER_DISCONN", cid: raw.param1 };
    case Command.ACCESS_RIGHTS:
      return { command: "ACCESS_RIGHTS", cid: raw.param1, access: raw.param2 };
    case Command.READ_NOTIFY:
    case Command.EVENT_ADD: {
      const data: DataResponse = {
        command: raw.command === Command.READ_NOTIFY
          ? "READ_NOTIFY"
          : "EVENT_ADD",
        dataType: raw.dataType,
        count: raw.dataCount,
        status: raw.param1,
        id: raw.param2,
        payload: raw.payload,
      };
      if (raw.nativeOrder) data.nativeOrder = true;
      return data;
    }
    case Command.WRITE_NOTIFY:
      return {
        command: "WRITE_NOTIFY",
        dataType: raw.dataType,
        count: raw.dataCount,
        status: raw.param1,
        ioid: raw.param2,
      };
    case Command.RSRV_IS_UP:
      return {
        command: "RSRV_IS_UP",
        version: raw.dataType,
        port: raw.dataCount,
        beaconId: raw.param1,
        address: raw.param2 === 0 ? undefined : numberToIp(raw.param2),
      };
    case Command.REPEATER_CONFIRM:
      return { command: "REPEATER_CONFIRM", address: numberToIp(raw.param2) };
    case Command.ERROR: {
      needPayload(raw, 16, "ERROR response");
      const view = new DataView(
        raw.payload.buffer,
        raw.payload.byteOffset,
        raw.payload.byteLength,
      );
      const extended = view.getUint16(2) === 0xffff && view.getUint16(6) === 0;
      const hsize = extended && raw.payload.length >= EXTENDED_HEADER_SIZE
        ? EXTENDED_HEADER_SIZE
        : 16;
      return {
        command: "ERROR",
        cid: raw.param1,
        status: raw.param2,
        request: {
          command: view.getUint16(0),
          dataType: view.getUint16(4),
          dataCount: hsize === 16 ? view.getUint16(6) : view.getUint32(20),
          param1: view.getUint32(8),
          param2: view.getUint32(12),
        },
        message: decodeCString(raw.payload.subarray(hsize)),
      };
    }
    default: {
      const shared = decodeShared(raw);
      if (shared) return shared;
      throw unexpected(raw, "response");
    }
  }
}
