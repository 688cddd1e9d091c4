/**
 * The alarm a record of the generated IOC database (`lib/ops/db.ts`) gives a
 * value, so the simulator shows the same severities as a real IOC for the same
 * puts: an enum state with a severity in the spec (`FIT:<CH>:OK` = 0 MAJOR,
 * `SCAN:STATE` ERROR MAJOR) is a STATE alarm, a NaN in an ao output (a fit
 * that gave no number) leaves the record undefined: UDF, INVALID.
 *
 * @example
 * ```ts
 * import { recordAlarm } from "./alarm.ts";
 * // recordAlarm(okSpec, 0) → { status: 7, severity: 2 } (STATE, MAJOR)
 * ```
 *
 * @module
 */
import type { AlarmSeverity, PvSpec } from "../pvmap/mod.ts";

/** EPICS alarm status STATE (menuAlarmStat). */
export const STATE_ALARM = 7;
/** EPICS alarm status HIHI (menuAlarmStat). */
export const HIHI_ALARM = 3;
/** EPICS alarm status HIGH (menuAlarmStat). */
export const HIGH_ALARM = 4;
/** EPICS alarm status UDF (menuAlarmStat). */
export const UDF_ALARM = 17;

/** Severity names → the numbers on the wire. */
export const SEVERITY: Readonly<Record<AlarmSeverity, number>> = {
  NO_ALARM: 0,
  MINOR: 1,
  MAJOR: 2,
  INVALID: 3,
};

/** An alarm status and severity, as numbers. */
export interface RecordAlarm {
  /** Alarm status (menuAlarmStat index). */
  status: number;
  /** Alarm severity (0 NO_ALARM … 3 INVALID). */
  severity: number;
}

const NO_ALARM: RecordAlarm = { status: 0, severity: 0 };

/** The enum index of a written value (index, label or numeric text). */
export function enumIndex(spec: PvSpec, value: unknown): number {
  const v = typeof value === "object" && value !== null && "length" in value
    ? (value as ArrayLike<unknown>)[0]
    : value;
  if (typeof v === "string") {
    const i = spec.enumStrings?.indexOf(v) ?? -1;
    return i >= 0 ? i : Number(v);
  }
  return Number(v);
}

/**
 * The alarm the generated record of `spec` raises for `value`.
 *
 * @param spec the PV's spec entry
 * @param value the value written (number, enum label, or a one-element array)
 */
export function recordAlarm(spec: PvSpec, value: unknown): RecordAlarm {
  if (spec.severities) {
    const sv = spec.severities[enumIndex(spec, value)] ?? "NO_ALARM";
    return sv === "NO_ALARM"
      ? NO_ALARM
      : { status: STATE_ALARM, severity: SEVERITY[sv] };
  }
  const analog = (spec.record === "ao" || spec.record === "ai") &&
    spec.direction === "output";
  const v = enumIndex(spec, value);
  if (analog && Number.isNaN(v)) {
    return { status: UDF_ALARM, severity: SEVERITY.INVALID };
  }
  // as the record's HIHI/HHSV and HIGH/HSV fields do
  if (analog && spec.alarmLimits) {
    if (v >= spec.alarmLimits.hihi) {
      return { status: HIHI_ALARM, severity: SEVERITY.MAJOR };
    }
    if (v >= spec.alarmLimits.high) {
      return { status: HIGH_ALARM, severity: SEVERITY.MINOR };
    }
  }
  return NO_ALARM;
}
