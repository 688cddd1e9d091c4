/**
 * `GaussFitCallback`: fits `A·exp(−(x−μ)²/(2σ²)) + c` to the profile of
 * every struck channel of each finished repetition (the one definition of
 * the profile and its weighting, `fitProfile`), publishes those of the
 * last repetition on the `FIT:<CH>:…` PVs, and emits them as a
 * `fitsComputed` event for the file and the hooks (the record it was handed
 * is left as it was).
 *
 * @module
 */
import {
  failedFit,
  summarizeFits,
  type SummaryKey,
} from "../../analysis/mod.ts";
import { fitPoints, type Profile } from "../../analysis/profile.ts";
import { errorBudget } from "../../analysis/error_budget.ts";
import {
  type Rejection,
  rejectionAsked,
  type RejectionOptions,
  rejectPoints,
} from "../../analysis/rejection.ts";
import {
  fitWireRegions,
  partialFit,
  type WireFit,
} from "../../analysis/wire_fit.ts";
import type { WireRegion } from "../../analysis/wires.ts";
import { DEFAULT_WIRES, type WireSpec } from "../../pvmap/wires.ts";
import {
  BEAM_SHAPE_FIELDS,
  type BeamShape,
  beamShape,
  lagOverSpeeds,
  type ShiftAtSpeed,
  strokeCheck,
  type StrokeWire,
} from "../../analysis/beam_shape.ts";
import { log } from "../../log.ts";
import type {
  CallbackContext,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type {
  ChannelFit,
  ErrorBudget,
  GaussFit,
  ModelChoice,
  ScanRecord,
  WireStroke,
} from "../../scan/model.ts";
import {
  FIT_MODEL_CHOICES,
  type FitModelChoice,
} from "../../analysis/fit_fields.ts";
import { profileModels } from "../../analysis/profile_models.ts";
import {
  FIT_SUMMARY_PV_FIELDS,
  fitPvValues,
  REJECTION_PVS,
  STROKE_PVS,
  type StrokePvField,
  WIRE_FIT_EXTRA,
} from "../../pvmap/mod.ts";
import type { StatusPublisher } from "../status.ts";
import { releaseMemory } from "../memory.ts";

/**
 * The centre shifts of a daemon's bidirectional fly requests by
 * `channel wire`, kept across requests (the lag shows over speeds).
 */
export type StrokeShifts = Map<string, ShiftAtSpeed[]>;

/** Requests whose shift {@link StrokeShifts} keeps per wire. */
const SHIFTS_KEPT = 16;

/** Fits each finished repetition and publishes the results. */
export class GaussFitCallback implements ScanCallback {
  readonly name = "gauss-fit";
  readonly #status: Pick<StatusPublisher, "put">;
  readonly #wires: readonly WireSpec[];
  #struck: readonly string[] = [];
  #iops = "";
  /** The request's fits so far, by channel (for the mean ± std PVs). */
  #history = new Map<string, GaussFit[]>();
  /** The request's successful wire fits by `channel wire`, per direction. */
  #strokes = new Map<string, Omit<StrokeWire, "wire">>();
  /** Fly speed of the request [mm/s] (NaN in step mode). */
  #speed = NaN;
  /** Wires whose stroke shift was reported this request. */
  #flagged = new Set<string>();
  /** This request's centre shift by `channel wire` (fly, both directions). */
  #shift = new Map<string, ShiftAtSpeed>();
  /** Earlier requests' shifts by `channel wire` (the last SHIFTS_KEPT). */
  readonly #shifts: StrokeShifts;
  /** What the request asked to fit besides the Gaussian (FIT:MODEL). */
  #fitModel: FitModelChoice = "gauss";
  /** The map file's models per channel (FIT:MODEL other than GAUSS wins). */
  readonly #channelModels: Readonly<Record<string, FitModelChoice>>;
  /** Point rejection before the fits (`{}`: NaN points only). */
  readonly #rejection: Readonly<RejectionOptions>;
  readonly #log = log("daemon", "fit");

  /**
   * @param status publisher of the fit PVs
   * @param options `wires`: the fork's wires (default one: no per-wire
   *   fits); `models`: the map file's models per channel; `rejection`:
   *   the points left out before every fit (default: NaN points); `shifts`: the
   *   daemon's earlier requests' centre shifts, which the request's is
   *   added to when it finishes (for the readout lag over speeds)
   */
  constructor(
    status: Pick<StatusPublisher, "put">,
    options: {
      wires?: readonly WireSpec[];
      models?: Readonly<Record<string, FitModelChoice>>;
      rejection?: Readonly<RejectionOptions>;
      shifts?: StrokeShifts;
    } = {},
  ) {
    this.#status = status;
    this.#wires = options.wires ?? DEFAULT_WIRES;
    this.#channelModels = options.models ?? {};
    this.#rejection = options.rejection ?? {};
    this.#shifts = options.shifts ?? new Map();
  }

  /**
   * Fits on `scanFinished` and emits `fitsComputed` (always, even when a
   * fit failed, so the file gets the repetition); remembers the channels on
   * `requestStarted`.
   */
  handle(event: ScanEvent, context: CallbackContext): void {
    if (event.type === "requestStarted") {
      this.#struck = event.config.struckChannels;
      this.#iops = event.config.iopsChannels[0] ?? "";
      this.#history.clear();
      this.#strokes.clear();
      this.#flagged.clear();
      this.#speed = event.config.mode === "fly" ? event.config.speed : NaN;
      this.#fitModel = event.config.fitModel ?? "gauss";
      return;
    }
    if (event.type === "requestFinished") {
      for (const [key, point] of this.#shift) {
        const earlier = this.#shifts.get(key) ?? [];
        this.#shifts.set(key, [...earlier, point].slice(-SHIFTS_KEPT));
      }
      return;
    }
    if (event.type !== "scanFinished") return;
    const record = event.record;
    const fits: Record<string, Readonly<ChannelFit>> = {};
    const wires: Record<string, readonly WireFit[]> = {};
    const shapes: Record<string, Readonly<BeamShape>> = {};
    const models: Record<string, Readonly<ModelChoice>> = {};
    const rejections: Record<string, Readonly<Rejection>> = {};
    const budgets: Record<string, Readonly<ErrorBudget>> = {};
    try {
      if (record.timestamps.length === 0) return;
      for (const ch of this.#struck) {
        if (!record.struck[ch]) continue;
        let fit: GaussFit;
        let profile: Profile | undefined;
        try {
          const kept = rejectPoints(record, ch, this.#iops, this.#rejection);
          profile = kept.profile;
          this.#publishRejection(ch, kept.rejection);
          const total = kept.rejection.mask.length - profile.x.length;
          if (rejectionAsked(this.#rejection) || total > 0) {
            rejections[ch] = Object.freeze(kept.rejection);
          }
          fit = fitPoints(profile);
        } catch (error) {
          fit = failedFit((error as Error).message);
        }
        fit = partialFit(fit, record.status);
        if (!fit.ok) {
          this.#log.warn("{scan} {channel} fit failed: {reason}", {
            scan: record.name,
            channel: ch,
            reason: fit.message,
          });
        }
        fits[ch] = Object.freeze({ ...fit, iopsChannel: this.#iops });
        this.#publish(ch, fit);
        if (profile && fit.ok) {
          const budget = errorBudget(record, profile, fit, {
            iops: this.#iops,
            // a fork's wires are budgeted with their own fits; here one wire
            diameter: this.#wires.length === 1 ? this.#wires[0].diameter : 0,
          });
          budgets[ch] = Object.freeze(budget);
          this.#status.put(`fit.${ch}.sigmaFloor`, budget.floor);
          this.#status.put(`fit.${ch}.sigmaLow`, budget.belowFloor ? 1 : 0);
          if (budget.belowFloor) {
            this.#log.warn(
              "{scan} {channel}: σ {sigma} is below its floor {floor} (wire, position noise, sampling)",
              {
                scan: record.name,
                channel: ch,
                sigma: fit.sigma,
                floor: budget.floor,
              },
            );
          }
        }
        const choice = profile && this.#fitModels(record, ch, profile);
        if (choice) models[ch] = Object.freeze(choice);
        if (this.#wires.length > 1) {
          const perWire = this.#fitWires(record, ch, profile);
          wires[ch] = Object.freeze(perWire);
          if (this.#wires.length >= 3) {
            shapes[ch] = Object.freeze(beamShape(perWire.map((w) => ({
              angle: w.angle,
              sigma: w.sigmaBeam,
              sigmaErr: w.sigmaBeamErr,
            }))));
          }
        }
        releaseMemory(record.struck[ch].data.length);
      }
      this.#publishShape(shapes[this.#struck[0]]);
    } finally {
      context.emit({
        type: "fitsComputed",
        record,
        fits: Object.freeze(fits),
        ...(this.#wires.length > 1
          ? { wires: Object.freeze(wires), shapes: Object.freeze(shapes) }
          : {}),
        ...(Object.keys(models).length > 0
          ? { models: Object.freeze(models) }
          : {}),
        ...(Object.keys(rejections).length > 0
          ? { rejections: Object.freeze(rejections) }
          : {}),
        ...(Object.keys(budgets).length > 0
          ? { budgets: Object.freeze(budgets) }
          : {}),
      });
    }
  }

  /**
   * The models the request asked for (FIT:MODEL), fitted to the channel's
   * profile; the chosen one and the runner-up's ΔAICc on FIT:<CH>:MODEL and
   * FIT:<CH>:DAICC. Undefined for the Gaussian alone.
   */
  #fitModels(
    record: Readonly<ScanRecord>,
    ch: string,
    profile: Profile,
  ): ModelChoice | undefined {
    const asked = this.#fitModel !== "gauss"
      ? this.#fitModel
      : this.#channelModels[ch] ?? "gauss";
    if (asked === "gauss") return undefined;
    let choice: ModelChoice | undefined;
    try {
      choice = profileModels(profile, asked);
    } catch (error) {
      this.#log.warn("{scan} {channel} models not fitted: {reason}", {
        scan: record.name,
        channel: ch,
        reason: (error as Error).message,
      });
      return undefined;
    }
    if (!choice) return undefined;
    // FIT:<CH>:MODEL lists the models alone (no AUTO)
    const models: readonly string[] = FIT_MODEL_CHOICES.filter((c) =>
      c !== "auto"
    );
    const index = choice.chosen === null ? -1 : models.indexOf(choice.chosen);
    if (index >= 0) this.#status.put(`fit.${ch}.model`, index);
    this.#status.put(`fit.${ch}.dAicc`, choice.deltaAicc);
    if (choice.chosen === null) {
      this.#log.warn("{scan} {channel}: no model fitted ({asked})", {
        scan: record.name,
        channel: ch,
        asked: choice.asked,
      });
    }
    return choice;
  }

  /** The rejection counts of one channel on FIT:<CH>:REJECTED and REJ_*. */
  #publishRejection(ch: string, rejection: Rejection): void {
    for (const { field, reason } of REJECTION_PVS) {
      const n = reason
        ? rejection.counts[reason]
        : Object.values(rejection.counts).reduce((a, b) => a + b, 0);
      this.#status.put(`fit.${ch}.${field}`, n);
    }
  }

  /** The fits of each wire of one channel, published on its wire PVs. */
  #fitWires(
    record: Readonly<ScanRecord>,
    ch: string,
    profile: Profile | undefined,
  ): WireFit[] {
    let perWire: WireFit[];
    let regions: WireRegion[] | undefined;
    try {
      if (!profile) throw new Error(`no profile of ${ch} in ${record.name}`);
      const fitted = fitWireRegions(profile, this.#wires);
      perWire = fitted.map((w) => w.fit);
      regions = fitted.map((w) => w.region);
    } catch (error) {
      const fit = failedFit((error as Error).message);
      perWire = this.#wires.map((w) => ({
        wire: w.name,
        angle: w.angle,
        window: [NaN, NaN],
        diameter: w.diameter,
        fit,
        sigmaBeam: NaN,
        sigmaBeamErr: NaN,
      }));
    }
    perWire = perWire.map((w) => ({
      ...w,
      fit: partialFit(w.fit, record.status),
    }));
    const strokes = this.#checkStrokes(ch, record.direction, perWire);
    // each wire's σ floor, with its own size and the points its fit used
    perWire = perWire.map((w, k) => {
      const stroke = strokes.get(w.wire);
      const budget = regions && w.fit.ok
        ? errorBudget(record, regions[k], w.fit, {
          iops: this.#iops,
          diameter: w.diameter,
          scale: this.#wires[k].scale,
        })
        : undefined;
      return { ...w, ...stroke ? { stroke } : {}, ...budget ? { budget } : {} };
    });
    for (const w of perWire) {
      if (!w.fit.ok) {
        this.#log.warn("{scan} {channel} wire {wire} fit failed: {reason}", {
          scan: record.name,
          channel: ch,
          wire: w.wire,
          reason: w.fit.message,
        });
      }
      for (const [field, value] of fitPvValues(w.fit)) {
        this.#status.put(`fit.${ch}.${w.wire}.${field}`, value);
      }
      for (const { field } of WIRE_FIT_EXTRA) {
        this.#status.put(`fit.${ch}.${w.wire}.${field}`, w[field]);
      }
      this.#status.put(
        `fit.${ch}.${w.wire}.sigmaFloor`,
        w.budget?.floor ?? NaN,
      );
      this.#status.put(
        `fit.${ch}.${w.wire}.sigmaLow`,
        w.budget?.belowFloor ? 1 : 0,
      );
      if (w.budget?.belowFloor) {
        this.#log.warn(
          "{scan} {channel} wire {wire}: σ {sigma} is below its floor {floor} (wire, position noise, sampling)",
          {
            scan: record.name,
            channel: ch,
            wire: w.wire,
            sigma: w.fit.sigma,
            floor: w.budget.floor,
          },
        );
      }
    }
    return perWire;
  }

  /**
   * Adds a repetition's wire fits to its direction and, once both
   * directions have fits, publishes each wire's centre and σ shift, and the
   * readout lag over the speeds of this and earlier fly requests (a lag
   * shows as a centre shift growing with speed; said once per request in
   * the log). Returns the stroke check per wire that has one.
   */
  #checkStrokes(
    ch: string,
    direction: ScanRecord["direction"],
    perWire: readonly WireFit[],
  ): Map<string, WireStroke> {
    const wires: StrokeWire[] = perWire.map((w) => {
      const key = `${ch} ${w.wire}`;
      const sides = this.#strokes.get(key) ?? { forward: [], backward: [] };
      this.#strokes.set(key, sides);
      if (w.fit.ok) {
        sides[direction].push({
          center: w.fit.center,
          centerErr: w.fit.centerErr,
          sigma: w.sigmaBeam,
          sigmaErr: w.sigmaBeamErr,
        });
      }
      return { wire: w.wire, ...sides };
    });
    const out = new Map<string, WireStroke>();
    for (const d of strokeCheck(wires, this.#speed)) {
      if (!Number.isFinite(d.centerShift)) continue;
      const key = `${ch} ${d.wire}`;
      const current = this.#speed > 0
        ? {
          speed: this.#speed,
          shift: d.centerShift,
          shiftErr: d.centerShiftErr,
        }
        : undefined;
      if (current) this.#shift.set(key, current);
      const lag = lagOverSpeeds([
        ...this.#shifts.get(key) ?? [],
        ...current ? [current] : [],
      ]);
      const stroke: WireStroke = {
        centerShift: d.centerShift,
        centerShiftErr: d.centerShiftErr,
        sigmaShift: d.sigmaShift,
        sigmaShiftErr: d.sigmaShiftErr,
        lag: lag.lag,
        lagErr: lag.lagErr,
        speeds: lag.speeds,
        growsWithSpeed: lag.growsWithSpeed,
        message: lag.speeds > 1 ? lag.message : d.message,
      };
      out.set(d.wire, stroke);
      const values: Record<StrokePvField, number> = {
        strokeShift: stroke.centerShift,
        strokeShiftErr: stroke.centerShiftErr,
        strokeSigmaShift: stroke.sigmaShift,
        strokeSigmaShiftErr: stroke.sigmaShiftErr,
        strokeLag: stroke.lag * 1e3,
        strokeLagErr: stroke.lagErr * 1e3,
        strokeLagSig: stroke.speeds > 1
          ? Math.abs(stroke.lag) / stroke.lagErr
          : NaN,
      };
      for (const { field } of STROKE_PVS) {
        this.#status.put(`fit.${ch}.${d.wire}.${field}`, values[field]);
      }
      if ((d.flagged || lag.growsWithSpeed) && !this.#flagged.has(key)) {
        this.#flagged.add(key);
        this.#log.warn("{channel} {message}", {
          channel: ch,
          message: lag.growsWithSpeed
            ? `wire ${d.wire}: ${lag.message}`
            : d.message,
        });
      }
    }
    return out;
  }

  /** The beam shape PVs (`BEAM:…`), from the first Struck channel. */
  #publishShape(shape: Readonly<BeamShape> | undefined): void {
    if (!shape) return;
    for (const f of BEAM_SHAPE_FIELDS) {
      this.#status.put(`shape.${f.key}`, shape[f.key]);
      this.#status.put(`shape.${f.key}Err`, shape[`${f.key}Err`]);
    }
  }

  #publish(ch: string, fit: GaussFit): void {
    for (const [field, value] of fitPvValues(fit)) {
      this.#status.put(`fit.${ch}.${field}`, value);
    }
    const history = [...this.#history.get(ch) ?? [], fit];
    this.#history.set(ch, history);
    const summary = summarizeFits(history);
    for (const { field, key, stat } of FIT_SUMMARY_PV_FIELDS) {
      const s = summary[key as SummaryKey];
      if (s) this.#status.put(`fit.${ch}.${field}`, s[stat]);
    }
  }
}
