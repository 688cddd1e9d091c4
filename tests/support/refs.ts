/**
 * Independent reference tools (EPICS base, h5py, scipy, lmfit, chromium) used by the
 * tests, and the compiler of the fit kernels (clang-16). On a developer machine a missing reference makes its tests ignored
 * with a loud line; in CI (`CI=true` or `FWS_REQUIRE_REFS=1`) a missing
 * reference is a failure, so nothing is silently skipped where it counts.
 *
 * @module
 */

/** Where the EPICS base build is cached, outside the clone. */
export function epicsCacheDir(): string {
  return Deno.env.get("FWS_EPICS_DIR") ??
    `${Deno.env.get("HOME") ?? "/tmp"}/.cache/fws/epics-base`;
}

/** Debian's python with h5py, scipy, lmfit and silx (not a pyenv shim). */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Whether missing references must fail instead of being ignored. */
export function referencesRequired(): boolean {
  return Deno.env.get("CI") === "true" ||
    Deno.env.get("FWS_REQUIRE_REFS") === "1";
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function pythonHas(module: string): boolean {
  if (!exists(SYSTEM_PYTHON)) return false;
  const out = new Deno.Command(SYSTEM_PYTHON, {
    args: ["-c", `import ${module}`],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return out.success;
}

const checks: Record<string, () => boolean> = {
  epics: () => exists(`${epicsCacheDir()}/bin/linux-x86_64/softIoc`),
  libca: () =>
    exists("/usr/include/epics/cadef.h") ||
    exists("/usr/lib/epics/include/cadef.h"),
  h5py: () => pythonHas("h5py"),
  h5dump: () => exists("/usr/bin/h5dump"),
  scipy: () => pythonHas("scipy.optimize"),
  lmfit: () => pythonHas("lmfit"),
  silx: () => pythonHas("silx.io.nxdata"),
  chromium: () => exists("/usr/bin/chromium"),
  // the fit kernels' compiler: Debian's clang 16 and its wasm-ld
  clang: () =>
    exists("/usr/bin/clang-16") && exists("/usr/lib/llvm-16/bin/wasm-ld"),
};

const cache = new Map<string, boolean>();

/**
 * Returns `true` when the test needing `name` must be ignored (reference
 * missing on a developer machine); throws in CI where it must be present.
 *
 * @example
 * ```ts
 * Deno.test({ name: "…", ignore: missingReference("h5py"), fn() {} });
 * ```
 */
export function missingReference(name: keyof typeof checks): boolean {
  if (!cache.has(name)) cache.set(name, checks[name]());
  if (cache.get(name)) return false;
  if (referencesRequired()) {
    throw new Error(
      `reference '${name}' is missing; run .ci/run's install step (or tests/support/setup.sh)`,
    );
  }
  console.error(
    `!!! reference '${name}' is missing: its tests are IGNORED on this machine (CI requires it)`,
  );
  return true;
}
