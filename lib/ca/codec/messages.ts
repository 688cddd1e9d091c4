/**
 * Typed CA messages. Requests go client → server, responses server → client;
 * several command ids mean different things in each direction (SEARCH,
 * CREATE_CHAN, READ_NOTIFY, WRITE_NOTIFY, EVENT_ADD), hence two unions and
 * two encoder/decoder pairs. DBR payloads stay raw bytes here: pack them with
 * `encodeDbr`, unpack with `decodeDbr`.
 *
 * @module
 */
import { Command, DO_REPLY, DONT_REPLY } from "./constants.ts";
import {
  align8,
  CAProtocolError,
  EXTENDED_HEADER_SIZE,
  type HeaderFields,
  headerSize,
  type RawMessage,
  writeHeader,
} from "./header.ts";

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

function namePayload(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  const out = new Uint8Array(align8(bytes.length + 1));
  out.set(bytes);
  return out;
}

function payloadName(payload: Uint8Array): string {
  const end = payload.indexOf(0);
  return decoder.decode(end < 0 ? payload : payload.subarray(0, end));
}

function frame(
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

/** Encodes a client → server message as one frame. */
export function encodeRequest(msg: CARequest): Uint8Array {
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

/** Encodes a server → client message as one frame. */
export function encodeResponse(msg: CAResponse): Uint8Array {
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

function unexpected(raw: RawMessage, direction: string): CAProtocolError {
  return new CAProtocolError(
    `unexpected CA command ${raw.command} in a ${direction}; expected one of the commands of caProto.h`,
  );
}

function needPayload(raw: RawMessage, bytes: number, what: string): void {
  if (raw.payload.length < bytes) {
    throw new CAProtocolError(
      `CA ${what} needs a ${bytes}-byte payload; got ${raw.payload.length} bytes`,
    );
  }
}

/** Decodes a client → server message; unknown or malformed → CAProtocolError. */
export function decodeRequest(raw: RawMessage): CARequest {
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
    case Command.SEARCH:
      needPayload(raw, 1, "SEARCH request");
      return {
        command: "SEARCH",
        name: payloadName(raw.payload),
        cid: raw.param1,
        version: raw.dataCount,
        reply: raw.dataType === DO_REPLY,
      };
    case Command.CREATE_CHAN:
      return {
        command: "CREATE_CHAN",
        name: payloadName(raw.payload),
        cid: raw.param1,
        version: raw.param2,
      };
    case Command.HOST_NAME:
      return { command: "HOST_NAME", name: payloadName(raw.payload) };
    case Command.CLIENT_NAME:
      return { command: "CLIENT_NAME", name: payloadName(raw.payload) };
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
    default:
      throw unexpected(raw, "request");
  }
}

/** Decodes a server → client message; unknown or malformed → CAProtocolError. */
export function decodeResponse(raw: RawMessage): CAResponse {
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
    case Command.EVENT_ADD:
      return {
        command: raw.command === Command.READ_NOTIFY
          ? "READ_NOTIFY"
          : "EVENT_ADD",
        dataType: raw.dataType,
        count: raw.dataCount,
        status: raw.param1,
        id: raw.param2,
        payload: raw.payload,
      };
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
        message: payloadName(raw.payload.subarray(hsize)),
      };
    }
    default:
      throw unexpected(raw, "response");
  }
}
