/**
 * Typed CA messages. Requests go client → server, responses server → client;
 * several command ids mean different things in each direction (SEARCH,
 * CREATE_CHAN, READ_NOTIFY, WRITE_NOTIFY, EVENT_ADD), hence two unions and
 * two encoder/decoder pairs. DBR payloads stay raw bytes here: pack them with
 * `encodeDbr`, unpack with `decodeDbr`.
 *
 * @module
 */
export {
  type ClearChannelMessage,
  type EchoMessage,
  ipToNumber,
  numberToIp,
  type VersionMessage,
} from "./message_base.ts";
export * from "./requests.ts";
export * from "./responses.ts";
