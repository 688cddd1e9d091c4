/**
 * The data directory's health, in words an operator understands: what is
 * wrong with it (full, read-only, gone, not writable) and how much room it
 * has. The scan-file writer asks after a failed write; the bridge asks
 * before a request moves anything.
 *
 * @module
 */
import { statfsSync } from "node:fs";
import { join } from "node:path";
import { storageCause } from "../fs_errors.ts";
import { type CaPort, samples as samplesOf, scalar } from "../scan/ca_port.ts";
import type { ScanConfig } from "../scan/config.ts";
import type { FWSScanInterface } from "../pvmap/mod.ts";

export { storageCause };

/**
 * What keeps `dir` from taking a file, or undefined when it takes one: a
 * probe of `probeBytes` is written there and removed.
 */
export function storageProblem(
  dir: string,
  probeBytes = 64 * 1024,
): string | undefined {
  const probe = join(dir, `.fws-probe-${Deno.pid}`);
  try {
    Deno.writeFileSync(probe, new Uint8Array(probeBytes));
  } catch (error) {
    try {
      Deno.removeSync(probe);
    } catch {
      // nothing was created
    }
    return storageCause(error);
  }
  Deno.removeSync(probe);
  return undefined;
}

/** Bytes free for an unprivileged writer in `dir`, or undefined when unknown. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** `12.3 MB`, `640 kB`, `512 B`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/**
 * Why the data directory cannot take this request, or undefined: it is
 * gone, not writable, or has less room than the request's data need
 * (samples × channels × repetitions × 8 bytes, no compression counted;
 * a step takes as many samples as the last acquisition, a fly repetition
 * its travel time over the last sample period, at most the waveform's
 * capacity).
 */
export async function requestStorageProblem(
  ca: CaPort,
  pvs: FWSScanInterface,
  request: { dataDir: string; config: ScanConfig },
): Promise<string | undefined> {
  const { dataDir: dir, config } = request;
  try {
    if (!Deno.statSync(dir).isDirectory) return `${dir} is not a directory`;
  } catch (error) {
    return `${storageCause(error)}: ${dir}`;
  }
  const problem = storageProblem(dir);
  if (problem) return `${problem}: ${dir}`;
  const free = freeBytes(dir);
  if (free === undefined) return undefined;
  const daq = pvs.daqPvs();
  const waveforms = [
    ...config.struckChannels.map((c) => daq.struck[c]?.pv),
    ...config.iopsChannels.map((c) => daq.iops[c]?.pv),
  ].filter((pv): pv is string => !!pv);
  let samples = 0;
  // fly: the travel at the last sample period, at most the capacity
  const periodPv = daq.samplePeriod.pv;
  const period = config.mode === "fly" && periodPv
    ? await ca.get(periodPv, { timeout: 1 }).then(scalar, () => NaN)
    : NaN;
  const travel = Math.abs(config.endPos - config.startPos) / config.speed;
  for (const pv of waveforms) {
    if (config.mode === "fly") {
      const capacity = ca.channel(pv).count ?? 0;
      samples += period > 0
        ? Math.min(capacity, Math.ceil(travel / period) + 1)
        : capacity;
      continue;
    }
    const v = await ca.get(pv, { timeout: 2 }).catch(() => undefined);
    const n = v === undefined ? 0 : samplesOf(v).length;
    samples += n * config.nSteps;
  }
  const need = Math.ceil(samples * 8 * config.nScans * 1.1) + 256 * 1024;
  if (need <= free) return undefined;
  return `not enough space in ${dir}: the request needs about ${
    formatBytes(need)
  }, ${formatBytes(free)} free`;
}
