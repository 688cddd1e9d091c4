/**
 * `StatusPublisher`: the daemon's outputs on `SCAN:STATE`, `SCAN:MSG`,
 * `SCAN:PROGRESS` and `SCAN:FILE`. It keeps the last value of each, so that
 * everything can be published again when the IOC comes back after a restart,
 * and it never blocks the scan: puts are sent without completion and their
 * failures are logged, not thrown. Only `ScanStatusCallback` calls
 * {@link StatusPublisher.set}, through the request state table; `put` serves
 * the other outputs (heartbeat, fit PVs) and refuses the status ones.
 *
 * @module
 */
import { type CaPort, textOf } from "../scan/ca_port.ts";
import { log } from "../log.ts";
import {
  type FWSScanInterface,
  type LogicalName,
  SCAN_STATES,
  type ScanState,
} from "../pvmap/mod.ts";

/** Longest text written to a char-waveform PV (bytes, without the NUL). */
export const MAX_TEXT = 255;

/** Encodes text for a char-waveform PV: UTF-8, NUL-terminated, truncated. */
export function textToChars(text: string, max = MAX_TEXT): Uint8Array {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > max) bytes = bytes.subarray(0, max);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** ASCII stand-ins for the non-ASCII characters messages use. */
const ASCII: Readonly<Record<string, string>> = {
  "×": "x",
  "→": "->",
  "←": "<-",
  "–": "-",
  "—": "-",
  "…": "...",
  "±": "+/-",
  "µ": "u",
  "²": "^2",
  "χ": "chi",
  "σ": "sigma",
  "°": "deg",
  "‘": "'",
  "’": "'",
  "“": '"',
  "”": '"',
};

/**
 * `text` in ASCII, so `caget -S` and every display show it as written:
 * known symbols become their usual ASCII forms, anything else `?`.
 */
export function asciiText(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0)!;
    out += code < 0x80 ? c : ASCII[c] ?? "?";
  }
  return out;
}

/** The outputs only {@link StatusPublisher.set} writes. */
const STATUS_OUTPUTS: readonly LogicalName[] = [
  "scan.state",
  "scan.msg",
  "scan.progress",
  "scan.step",
  "scan.file",
];

/** Current values of the status outputs. */
export interface StatusSnapshot {
  state: ScanState;
  msg: string;
  progress: number;
  /** Step of the repetition being acquired (1-based; 0 when none). */
  step: number;
  file: string;
}

/** Publishes and remembers the status outputs. */
export class StatusPublisher {
  readonly #ca: CaPort;
  readonly #pvs: FWSScanInterface;
  readonly #now: StatusSnapshot = {
    state: "IDLE",
    msg: "",
    progress: 0,
    step: 0,
    file: "",
  };
  readonly #log = log("daemon", "status");
  /** Puts not yet acknowledged, so `flush()` can wait for them. */
  #pending = new Set<Promise<void>>();

  /**
   * @param ca Channel Access client
   * @param pvs the scanner's PV map
   */
  constructor(ca: CaPort, pvs: FWSScanInterface) {
    this.#ca = ca;
    this.#pvs = pvs;
  }

  /** The last published values. */
  get snapshot(): StatusSnapshot {
    return { ...this.#now };
  }

  /**
   * Publishes the given fields (only those that changed); the state goes
   * last, so a client that sees DONE finds the message and file already set.
   */
  set(
    update: Partial<StatusSnapshot>,
    options: { quiet?: boolean } = {},
  ): void {
    if (update.msg !== undefined) update.msg = asciiText(update.msg);
    if (update.msg !== undefined && update.msg !== this.#now.msg) {
      this.#now.msg = update.msg;
      // per-step counters go to the debug log: one line per step is noise
      this.#log[options.quiet ? "debug" : "info"]("{state}: {msg}", {
        state: update.state ?? this.#now.state,
        msg: update.msg,
      });
      this.#put("scan.msg", textToChars(update.msg));
    }
    if (update.step !== undefined && update.step !== this.#now.step) {
      this.#now.step = update.step;
      this.#put("scan.step", update.step);
    }
    if (
      update.progress !== undefined && update.progress !== this.#now.progress
    ) {
      this.#now.progress = update.progress;
      this.#put("scan.progress", Math.round(update.progress * 100) / 100);
    }
    if (update.file !== undefined && update.file !== this.#now.file) {
      this.#now.file = update.file;
      this.#put("scan.file", textToChars(update.file, 1023));
    }
    if (update.state !== undefined && update.state !== this.#now.state) {
      this.#now.state = update.state;
      this.#put("scan.state", SCAN_STATES.indexOf(update.state));
    }
  }

  /** Publishes every output again (after the IOC reconnected). */
  republish(): void {
    this.#put("scan.state", SCAN_STATES.indexOf(this.#now.state));
    this.#put("scan.msg", textToChars(this.#now.msg));
    this.#put("scan.progress", this.#now.progress);
    this.#put("scan.step", this.#now.step);
    this.#put("scan.file", textToChars(this.#now.file, 1023));
  }

  /** Waits (at most `timeout` s) until every put sent so far is done. */
  async flush(timeout = 2): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled([...this.#pending]),
      new Promise((r) => timer = setTimeout(r, timeout * 1000)),
    ]);
    clearTimeout(timer);
  }

  /**
   * Puts a value to a logical PV without completion; failures are logged.
   * Throws for a status output (those go through {@link set}).
   */
  put(logical: LogicalName, value: number | Uint8Array): void {
    if (STATUS_OUTPUTS.includes(logical)) {
      throw new Error(
        `${logical} is published by set() alone; expected another output`,
      );
    }
    this.#put(logical, value);
  }

  #put(logical: LogicalName, value: number | Uint8Array): void {
    const pv = this.#pvs.pv(logical);
    if (!pv) return;
    let out: number | Uint8Array | string = value;
    if (
      value instanceof Uint8Array &&
      this.#ca.channel(pv).nativeType === "string"
    ) {
      // a facility mapped a text output to a stringout: 39 characters at most
      out = textOf(value).slice(0, 39);
    }
    const p = this.#ca.put(pv, out, { wait: false, timeout: 2 }).catch(
      (error) => {
        this.#log.debug("could not write {pv}: {error}", {
          pv,
          error: (error as Error).message,
        });
      },
    );
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
  }
}
