/**
 * EPICS Channel Access for fws: the pure protocol codec (`codec/`), the
 * client and the server, and the ECA_* status table with {@link CAError}.
 *
 * @module
 */
export * from "./codec/mod.ts";
export * from "./errors.ts";
export {
  CAServer,
  type CAServerOptions,
  type PVDefinition,
  type PVInput,
  type PVValue,
  ServerPV,
  type SetOptions,
} from "./server.ts";
export * from "./client.ts";
export * from "./server.ts";
