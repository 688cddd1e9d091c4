/**
 * The alarm limits of drifts and the stroke check's PVs of a fork's wires
 * (`FIT:<CH>:<WIRE>:STROKE_*`): data the PV map and its logical names share.
 *
 * @module
 */

/** Alarm limits of FIT:<CH>:DRIFT, in combined standard errors. */
export const DRIFT_ALARM = { high: 3, hihi: 5 } as const;

const OVER_STROKES = "over the request's strokes (bidirectional requests)";
const OVER_SPEEDS =
  "from the centre shifts of the daemon's bidirectional fly requests (over their speeds)";

/**
 * The stroke check of a wire: backward minus forward mean centre and σ
 * over the request's strokes, and the readout lag the shifts of the
 * daemon's requests at different speeds imply (see `lagOverSpeeds`).
 */
export const STROKE_PVS = [
  {
    field: "strokeShift",
    suffix: "STROKE_SHIFT",
    label: "stroke shift",
    units: "mm",
    precision: 5,
    about: OVER_STROKES,
  },
  {
    field: "strokeShiftErr",
    suffix: "STROKE_SHIFT_ERR",
    label: "stroke shift error",
    units: "mm",
    precision: 5,
    about: OVER_STROKES,
  },
  {
    field: "strokeSigmaShift",
    suffix: "STROKE_SIGMA_SHIFT",
    label: "stroke Δσ",
    units: "mm",
    precision: 5,
    about: OVER_STROKES,
  },
  {
    field: "strokeSigmaShiftErr",
    suffix: "STROKE_SIGMA_SHIFT_ERR",
    label: "stroke Δσ error",
    units: "mm",
    precision: 5,
    about: OVER_STROKES,
  },
  {
    field: "strokeLag",
    suffix: "STROKE_LAG",
    label: "readout lag",
    units: "ms",
    precision: 4,
    about: OVER_SPEEDS,
  },
  {
    field: "strokeLagErr",
    suffix: "STROKE_LAG_ERR",
    label: "readout lag error",
    units: "ms",
    precision: 4,
    about: OVER_SPEEDS,
  },
  {
    field: "strokeLagSig",
    suffix: "STROKE_LAG_SIG",
    label: "lag significance [σ]",
    units: undefined,
    precision: 2,
    about:
      "from requests at 2 or more speeds: |lag| / its error (MINOR ≥ 3, MAJOR ≥ 5: the centre shift grows with speed; NaN from one speed)",
    alarmLimits: DRIFT_ALARM,
  },
] as const;

/** Logical field names of {@link STROKE_PVS}. */
export type StrokePvField = typeof STROKE_PVS[number]["field"];
