/**
 * `CustomHookCallback`: the last consumer of the stream. It runs the
 * facility's pre callback when a request starts and the post callback when
 * the request has finished and its file is closed (`fileClosed`), with the
 * fits of every repetition (`fitsComputed`). A failure is thrown as an error
 * naming the hook, which the pipeline contains and reports.
 *
 * @module
 */
import type {
  RequestFinishedEvent,
  ScanCallback,
  ScanEvent,
} from "../../scan/events.ts";
import type {
  CustomCallbackHost,
  HookResult,
  PreHookInfo,
} from "../custom_callback.ts";
import { log } from "../../log.ts";
import { FIT_PV_FIELDS } from "../../pvmap/mod.ts";

/** Calls the custom hooks at the start and the end of each request. */
export class CustomHookCallback implements ScanCallback {
  readonly name = "custom-callback";
  readonly #host: CustomCallbackHost;
  readonly #log = log("daemon", "custom");
  #info?: PreHookInfo;
  #finished?: RequestFinishedEvent;
  #fits: Record<string, Record<string, Record<string, number | boolean>>> = {};

  /** @param host the loaded module */
  constructor(host: CustomCallbackHost) {
    this.#host = host;
  }

  /** Runs the hooks; throws when a hook failed (contained by the pipeline). */
  async handle(event: ScanEvent): Promise<void> {
    if (event.type === "requestStarted") {
      this.#fits = {};
      this.#finished = undefined;
      this.#info = {
        scannerIndex: event.run.scannerIndex,
        testMode: event.run.testMode,
        config: event.run.scanArgs,
        startTime: event.run.startTime,
      };
      const r = await this.#host.pre(this.#info);
      this.#report("pre", r);
    } else if (event.type === "fitsComputed") {
      const fits: Record<string, Record<string, number | boolean>> = {};
      for (const [ch, f] of Object.entries(event.fits)) {
        fits[ch] = { ok: f.ok };
        // what the PVs publish, with `ok` as a boolean
        for (const { field } of FIT_PV_FIELDS) {
          if (field !== "ok") fits[ch][field] = f[field];
        }
      }
      this.#fits[event.record.name] = fits;
    } else if (event.type === "requestFinished") {
      this.#finished = event;
    } else if (event.type === "fileClosed" && this.#info && this.#finished) {
      const r = await this.#host.post({
        ...this.#info,
        status: this.#finished.status,
        message: this.#finished.message,
        endTime: this.#finished.endTime,
        file: event.path,
        fits: this.#fits,
      });
      this.#report("post", r);
    }
  }

  #report(hook: string, r: HookResult): void {
    if (r.output) {
      this.#log.info("custom {hook} callback printed: {output}", {
        hook,
        output: r.output,
      });
    }
    if (!r.ok) {
      throw new Error(`custom ${hook} callback failed: ${r.message}`);
    }
    if (r.message) {
      this.#log.info("custom {hook} callback: {message}", {
        hook,
        message: r.message,
      });
    }
  }
}
