/**
 * The scan daemon as a library: {@link startDaemon} runs one scanner's daemon
 * in-process (the CLI `fws <index>` and `fws demo` both use it).
 *
 * @example
 * ```ts
 * import { startDaemon } from "./lib/daemon/mod.ts";
 * const daemon = await startDaemon({
 *   scannerIndex: 1,
 *   testMode: true,
 *   dataDir: "/tmp/fws-data",
 *   ca: { addrList: ["127.0.0.1:5064"], autoAddrList: false },
 * });
 * // … SCAN:START = 1 from any CA client …
 * await daemon.stop();
 * ```
 *
 * @module
 */
export {
  type DaemonHandle,
  loadPvMap,
  startDaemon,
  type StartDaemonOptions,
} from "./start.ts";
export {
  type BridgeOptions,
  FWSScanBridgeDaemon,
  type RequestOutcome,
} from "./bridge.ts";
export { StatusPublisher, type StatusSnapshot, textToChars } from "./status.ts";
export {
  CustomCallbackHost,
  type HookResult,
  type PostHookInfo,
  type PreHookInfo,
} from "./custom_callback.ts";
export {
  FWSScanInterface,
  parsePvMap,
  type PvMapFile,
  SCAN_STATES,
  type ScanState,
} from "../pvmap/mod.ts";
export { daemonMain } from "./cli.ts";
