/**
 * The sans-I/O Channel Access protocol layer (in caproto's shape): per-role
 * circuit state fed with received bytes, one outbound queue that writes
 * every header through the codec, and errors that say whether the local or
 * the remote side broke the protocol. No sockets, no timers: the client
 * (`client_circuit.ts`) and the server (`server.ts`) are transports over it.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./outbound.ts";
export { ServerCircuit } from "./server_circuit.ts";
export { ClientCircuit } from "./client_circuit.ts";
export * from "./client_state.ts";
export { bufferType, readValue, toCAValue } from "./client_reply.ts";
export {
  CIRCUIT_HIGH_WATER,
  type CircuitHost,
  type CircuitTransport,
  MAX_CHANNELS_PER_CIRCUIT,
  MAX_SUBSCRIPTIONS_PER_CIRCUIT,
} from "./server_types.ts";
