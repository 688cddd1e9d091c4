/**
 * The Channel Access wire protocol, pure: bytes in, typed messages out. No
 * sockets, no timers; both the client and the server are built on it.
 *
 * Exported API (for the client and server engineers):
 * - constants: `Command` (ids), `CA_MINOR_VERSION` (13), `CA_SERVER_PORT`
 *   (5064), `CA_REPEATER_PORT`, `DO_REPLY`/`DONT_REPLY`, `DBE_VALUE|LOG|ALARM|
 *   PROPERTY`, `ACCESS_READ|WRITE`, `DbrBaseType`, `DbrForm`, `BASE_TYPES`,
 *   `FORMS`, `ELEMENT_SIZE`, `dbrType(type, form)` → code 0–34,
 *   `dbrInfo(code)` → {type, form}, `EPICS_EPOCH_OFFSET`, `MAX_*` sizes.
 * - framing: `FrameReader` (TCP: `push(chunk)` → RawMessage[], or zero-copy
 *   `conn.read(reader.writable())` + `reader.commit(n)`; `needed`, `buffered`,
 *   `maxPayload` bound; a bad header throws `CAProtocolError`),
 *   `splitDatagram(bytes)` (UDP), `RawMessage`, `HeaderFields`,
 *   `encodeRaw(fields, payload)`, `writeHeader`, `headerSize`, `align8`.
 * - messages (requests.ts, responses.ts): `encodeRequest(CARequest)`,
 *   `decodeRequest(RawMessage)` (server side); `encodeResponse(CAResponse)`,
 *   `decodeResponse(RawMessage)` (client side); `ipToNumber`, `numberToIp`.
 *   DBR payloads stay raw bytes in messages (`payload`).
 * - DBR: `encodeDbr(code, {value, count, status, severity, timestamp|stamp,
 *   units, precision, enumStrings, limits})` → padded payload;
 *   `decodeDbr(code, count, payload, {inPlace})` → `DbrData`;
 *   `dbrPayloadSize(code, count)`, `valueOffset(type, form)`, `epicsToDate`,
 *   `dateToEpics`, `charArrayToString`, `stringToCharArray`;
 *   `ALARM_STATUS` / `ALARM_SEVERITY` name tables.
 * - conversion: `convertValue(value, toType, {from, enumStrings, precision})`
 *   (throws `ConversionError`), e.g. native double → DBR_STRING with PREC.
 *
 * @module
 */
export * from "./constants.ts";
export * from "./header.ts";
export * from "./messages.ts";
export * from "./dbr.ts";
export * from "./convert.ts";
export { decodeCString, encoder } from "./text.ts";
