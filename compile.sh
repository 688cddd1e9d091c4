#!/usr/bin/env bash
# Builds the single fws executable with `deno compile`.
#
#   ./compile.sh [--target TRIPLE] [--output PATH]
#
# - bundles the plot page's islands (deno task bundle), embeds static/ and
#   every worker module (*_worker.ts, lib/**/*_worker.ts) with --include: the binary needs
#   no file next to it at run time;
# - grants the `fws` permission set of deno.json (the union of the daemon,
#   plot and sim sets; never -A), with write narrowed to the two write roots
#   FWS_DATA_ROOT (default /var/lib/fws) and FWS_LOG_ROOT (default
#   /var/log/fws-daemon), which are also baked into the binary: the daemon
#   refuses data/log directories outside them at start-up; run is granted
#   to the openers (xdg-open, open) and to FWS_INSTALL_PATH (default
#   /usr/local/bin/fws), where the binary is to be installed: the daemon
#   starts itself there, and nothing else, for each custom-callback call
#   (installed elsewhere, hooks run unbounded in the daemon, with a warning);
# - needs the Deno runtime base `denort` of the same Deno version: deno
#   downloads it from dl.deno.land, or takes DENORT_BIN=/path/to/denort
#   (air-gapped networks), or a copy of denort-<target>.zip already in
#   $DENO_DIR/dl/release/v<version>/.
#
# Exit codes: 0 built, 1 build failed, 2 bad arguments, 3 no usable Deno
# runtime base (DENORT_BIN missing, not a runtime base, or not downloadable).
# Environment: DENO (deno to use), DENORT_BIN, FWS_DATA_ROOT, FWS_LOG_ROOT,
# FWS_INSTALL_PATH (default /usr/local/bin/fws), FWS_DOWNLOAD_TIMEOUT (s,
# default 15), FWS_COMPILE_TIMEOUT (s, default 900), FWS_SKIP_BUNDLE=1 (keep
# static/islands/ as it is).
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
  local code=$1
  shift
  echo "compile.sh: $*" >&2
  exit "$code"
}

target=""
output="./fws"
while [ $# -gt 0 ]; do
  case "$1" in
  --target)
    [ $# -ge 2 ] || die 2 "--target needs a value, e.g. x86_64-unknown-linux-gnu"
    target=$2
    shift 2
    ;;
  --target=*)
    target=${1#*=}
    shift
    ;;
  -o | --output)
    [ $# -ge 2 ] || die 2 "$1 needs a path"
    output=$2
    shift 2
    ;;
  --output=*)
    output=${1#*=}
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  *) die 2 "unknown argument '$1'; expected --target TRIPLE, --output PATH or --help" ;;
  esac
done

DENO=${DENO:-deno}
command -v "$DENO" >/dev/null 2>&1 ||
  die 1 "'$DENO' not found; install Deno 2.9.6 (npx -y deno@2.9.6 ...) or set DENO=/path/to/deno"
deno_version=$("$DENO" --version | head -n 1 | awk '{print $2}')
host=$("$DENO" eval --no-config 'console.log(Deno.build.target)')
target=${target:-$host}

data_root=${FWS_DATA_ROOT:-/var/lib/fws}
log_root=${FWS_LOG_ROOT:-/var/log/fws-daemon}
install_path=${FWS_INSTALL_PATH:-/usr/local/bin/fws}
for root in "$data_root" "$log_root" "$install_path"; do
  case "$root" in
  /*) ;;
  *) die 2 "FWS_DATA_ROOT, FWS_LOG_ROOT and FWS_INSTALL_PATH must be absolute paths; got '$root'" ;;
  esac
done

runtime_url="https://dl.deno.land/release/v$deno_version/denort-$target.zip"
how_to="set DENORT_BIN to the Deno runtime base 'denort' of Deno $deno_version for $target: on a connected machine download $runtime_url (or denort-$target.zip from https://github.com/denoland/deno/releases/tag/v$deno_version), unzip it, copy 'denort' to this machine and run: DENORT_BIN=/path/to/denort ./compile.sh"

# --- 1. the Deno runtime base (checked first: fails fast, before any work) ---
check_denort() {
  local bin=$1 magic expected found version_out
  [ -f "$bin" ] && [ -r "$bin" ] ||
    die 3 "DENORT_BIN='$bin' is not a readable file; $how_to"
  magic=$(head -c 4 "$bin" | od -An -tx1 | tr -d ' \n')
  case "$target" in
  *linux*) expected="ELF" ;;
  *darwin*) expected="Mach-O" ;;
  *windows*) expected="PE" ;;
  *) expected="" ;;
  esac
  case "$magic" in
  7f454c46) found="ELF" ;;
  cffaedfe | feedfacf | cafebabe) found="Mach-O" ;;
  4d5a*) found="PE" ;;
  *) found="" ;;
  esac
  [ -n "$found" ] ||
    die 3 "DENORT_BIN='$bin' is not a Deno runtime base: not an executable (no ELF, Mach-O or PE header); $how_to"
  [ -z "$expected" ] || [ "$found" = "$expected" ] ||
    die 3 "DENORT_BIN='$bin' is a $found executable, but target $target needs $expected; $how_to"
  if [ "$target" = "$host" ] && [ -x "$bin" ]; then
    # the deno CLI itself is accepted by deno compile but builds a binary
    # that starts a REPL instead of fws
    version_out=$(timeout 5 "$bin" --version </dev/null 2>/dev/null | head -n 1 || true)
    case "$version_out" in
    deno\ *) die 3 "DENORT_BIN='$bin' is the deno CLI ($version_out), not the runtime base 'denort'; $how_to" ;;
    esac
  fi
}

if [ -n "${DENORT_BIN:-}" ]; then
  check_denort "$DENORT_BIN"
  export DENORT_BIN
  echo "compile.sh: runtime base: DENORT_BIN=$DENORT_BIN"
else
  deno_dir=$("$DENO" info --json 2>/dev/null | "$DENO" eval --no-config \
    'console.log(JSON.parse(await new Response(Deno.stdin.readable).text()).denoDir ?? "")')
  cached="$deno_dir/dl/release/v$deno_version/denort-$target.zip"
  if [ -f "$cached" ]; then
    echo "compile.sh: runtime base: cached $cached"
  else
    timeout_s=${FWS_DOWNLOAD_TIMEOUT:-15}
    if ! reason=$(timeout "$((timeout_s + 5))" "$DENO" eval --no-config "
      try {
        const r = await fetch('$runtime_url', { method: 'HEAD', signal: AbortSignal.timeout(${timeout_s}000) });
        if (!r.ok) { console.log('HTTP ' + r.status); Deno.exit(1); }
      } catch (e) { console.log([e.message, e.cause?.message].filter(Boolean).join(': ').split('\n')[0]); Deno.exit(1); }" 2>&1); then
      die 3 "cannot download the Deno runtime base from $runtime_url (${reason:-no answer within ${timeout_s}s}) and DENORT_BIN is not set; $how_to"
    fi
    echo "compile.sh: runtime base: will download $runtime_url"
  fi
fi

# --- 2. the islands of the plot page -----------------------------------------
if [ "${FWS_SKIP_BUNDLE:-}" = 1 ]; then
  echo "compile.sh: FWS_SKIP_BUNDLE=1: using the islands bundled before" >&2
elif [ -f tools/bundle_islands.ts ]; then
  "$DENO" task bundle || die 1 "bundling the islands failed (deno task bundle)"
else
  echo "compile.sh: tools/bundle_islands.ts does not exist yet: no islands bundled" >&2
fi

# --- 3. permissions, baked write roots, embedded assets ----------------------
mapfile -t permission_flags < <("$DENO" run --no-config --no-prompt -R --allow-write=dist \
  tools/gen_compile_args.ts "$data_root" "$log_root" "$install_path") ||
  die 1 "deno.json's permission sets are not usable (see above)"
[ ${#permission_flags[@]} -gt 0 ] || die 1 "deno.json: the 'fws' permission set grants nothing"

includes=()
if [ -d static ] && [ -n "$(ls -A static)" ]; then includes+=(--include static/); fi
while IFS= read -r worker; do
  includes+=(--include "$worker")
done < <({ find . -maxdepth 1 -name '*_worker.ts'; find lib -name '*_worker.ts'; } 2>/dev/null | sed 's|^\./||' | sort -u)

# --- 4. compile -------------------------------------------------------------
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "compile.sh: deno compile --target $target ${permission_flags[*]} ${includes[*]} -o $output"
status=0
timeout "${FWS_COMPILE_TIMEOUT:-900}" "$DENO" compile \
  --config deno.json --no-prompt --unstable-worker-options --exclude-unused-npm \
  "${permission_flags[@]}" "${includes[@]}" \
  --target "$target" --output "$output" dist/build/fws_main.ts 2> >(tee "$log" >&2) ||
  status=$?
wait
if [ "$status" -ne 0 ]; then
  if grep -qE "Setting up base binary|error sending request|dl\.deno\.land" "$log"; then
    die 3 "deno compile could not get the Deno runtime base $runtime_url; $how_to"
  fi
  if [ -n "${DENORT_BIN:-}" ] && grep -qE "Writing binary bytes|Invalid object|Not an ELF|object file" "$log"; then
    die 3 "DENORT_BIN='$DENORT_BIN' is not a Deno runtime base (deno compile: $(grep -m1 -E 'Invalid object|Not an|object file' "$log" | sed 's/^ *[0-9]*: //')); $how_to"
  fi
  [ "$status" -ne 124 ] || die 1 "deno compile did not finish within ${FWS_COMPILE_TIMEOUT:-900}s"
  die 1 "deno compile failed (exit $status, see above)"
fi

# --- 5. smoke test (host target only) ---------------------------------------
if [ "$target" = "$host" ]; then
  version_line=$(timeout 30 "$output" --version </dev/null 2>&1 | head -n 1 || true)
  case "$version_line" in
  fws\ *) echo "compile.sh: built $output ($version_line; writes only under $data_root and $log_root)" ;;
  *)
    rm -f "$output"
    die 3 "the binary built from ${DENORT_BIN:-the downloaded runtime base} does not run fws (--version printed '${version_line}'): it is not the runtime base 'denort' of Deno $deno_version; $how_to"
    ;;
  esac
else
  echo "compile.sh: built $output for $target (not run: the host is $host)"
fi
