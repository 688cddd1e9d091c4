/**
 * Helpers to run the daemon as a real process (`deno run -P=daemon main.ts
 * daemon …`) against an in-process simulator, and to follow its requests
 * from the outside over Channel Access.
 *
 * @module
 */
import type { CAClient } from "../../lib/ca/mod.ts";
import { SCAN_STATES } from "../../lib/pvmap/mod.ts";

const FINAL = new Set(["DONE", "ABORTED", "ERROR"]);

/** A daemon child process. */
export interface DaemonProcess {
  child: Deno.ChildProcess;
  /** stderr so far (the daemon's log lines). */
  stderr(): string;
  /** Waits for the exit status (with a timeout). */
  exited(timeout?: number): Promise<Deno.CommandStatus>;
}

/** Spawns the daemon with the given arguments, pointed at `addrList`. */
export function spawnDaemon(
  args: string[],
  options: { addrList: string[]; flags?: string[] },
): DaemonProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-P=daemon",
      ...(options.flags ?? []),
      "main.ts",
      "daemon",
      ...args,
    ],
    env: {
      EPICS_CA_ADDR_LIST: options.addrList.join(" "),
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let err = "";
  const decoder = new TextDecoder();
  const pump = async (
    stream: ReadableStream<Uint8Array>,
    sink: (s: string) => void,
  ) => {
    for await (const chunk of stream) sink(decoder.decode(chunk));
  };
  const pumps = Promise.all([
    pump(child.stderr, (s) => err += s),
    pump(child.stdout, () => {}),
  ]);
  return {
    child,
    stderr: () => err,
    async exited(timeout = 10) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        child.status,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch { /* gone */ }
            reject(
              new Error(
                `daemon did not exit within ${timeout} s; stderr:\n${err}`,
              ),
            );
          }, timeout * 1000);
        }),
      ]).finally(() => clearTimeout(timer));
      await pumps;
      return status;
    },
  };
}

/** Label of a SCAN:STATE value. */
export function stateLabel(value: unknown): string {
  return typeof value === "number"
    ? SCAN_STATES[value] ?? String(value)
    : String(value);
}

/**
 * Follows SCAN:STATE: resolves with the final state of the next request
 * (a non-final state followed by DONE, ABORTED or ERROR).
 */
export function nextFinalState(
  ca: CAClient,
  pv: string,
  timeout = 20,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let started = false;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      sub.cancel();
      reject(new Error(`${pv}: no final state within ${timeout} s`));
    }, timeout * 1000);
    const sub = ca.monitor(pv, (v) => {
      if (done) return;
      const label = stateLabel(v.value);
      if (!FINAL.has(label) && label !== "IDLE") started = true;
      else if (started && FINAL.has(label)) {
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => sub.cancel());
        resolve(label);
      }
    });
  });
}

/** Waits until the daemon beats (it is up and connected). */
export function waitHeartbeat(
  ca: CAClient,
  pv: string,
  timeout = 45,
  describe: () => string = () => "",
): Promise<void> {
  return new Promise((resolve, reject) => {
    let first: number | undefined;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      sub.cancel();
      reject(
        new Error(`${pv}: no heartbeat within ${timeout} s\n${describe()}`),
      );
    }, timeout * 1000);
    const sub = ca.monitor(pv, (v) => {
      if (done) return;
      const n = Number(v.value);
      if (first === undefined) first = n;
      else if (n !== first) {
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => sub.cancel());
        resolve();
      }
    });
  });
}
