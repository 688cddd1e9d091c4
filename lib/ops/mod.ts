/**
 * Operations: what a facility installs next to the daemon, generated from the
 * PV map — the IOC database of the daemon's own records (`db.ts`) and the
 * Phoebus operator display (`display.ts`); `cli.ts` is `fws ops`.
 *
 * @example
 * ```ts
 * import { iocDatabase, macroInterface } from "./mod.ts";
 * console.log(iocDatabase(macroInterface()));
 * ```
 *
 * @module
 */
export {
  DEFAULT_WAVEFORM_LENGTH,
  IOC_DIRECTIONS,
  iocDatabase,
  type IocRecordEntry,
  iocRecords,
  macroInterface,
  PREFIX_MACRO,
  recordDescription,
  recordFields,
} from "./db.ts";
export {
  bobDisplay,
  displayLabel,
  HARDWARE_OPERATOR_PVS,
  operatorPvs,
} from "./display.ts";
export { FONT_SIZE, textWidth } from "./bob_xml.ts";
export { opsMain, type OpsRequest, opsText, parseOpsArgs } from "./cli.ts";
export type { DisplayPv } from "./display.ts";
