#!/usr/bin/env bash
# Builds EPICS base 7.0.3.1 from Debian's source package (the independent CA
# reference: softIoc, caget, caput, camonitor, cainfo and libca) and installs
# it into ~/.cache/fws/epics-base (override with FWS_EPICS_DIR).
#
# Only configure, src and the modules libcom, ca and database are built
# (no pvAccess, no tests): about two minutes on two cores.
# Idempotent: an existing build is detected and skipped.
# Needs: apt-get source (a deb-src line for bookworm main), dpkg-dev, perl,
# make, g++, libreadline-dev.
set -euo pipefail

cache="${HOME:-/tmp}/.cache/fws"
prefix="${FWS_EPICS_DIR:-$cache/epics-base}"
work="${FWS_EPICS_WORK:-$prefix.build}" # per install prefix: INSTALL_LOCATION is baked in
arch=linux-x86_64
jobs="${FWS_EPICS_JOBS:-2}"

say() { echo "build_epics: $*"; }
die() {
  echo "build_epics: ERROR: $*" >&2
  exit 1
}

wanted=(bin/$arch/softIoc bin/$arch/caget bin/$arch/caput bin/$arch/camonitor
  bin/$arch/cainfo lib/$arch/libca.so)
complete() {
  local f
  for f in "${wanted[@]}"; do [ -e "$prefix/$f" ] || return 1; done
  [ -e "$prefix/.fws-complete" ]
}

if complete; then
  say "already built in $prefix (remove it to rebuild)"
  exit 0
fi

case "$(uname -m)" in
x86_64) ;;
*) die "only x86_64 hosts are supported (got $(uname -m))" ;;
esac
for tool in apt-get dpkg-source perl make g++; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' is missing; install dpkg-dev, perl, make and g++ (tests/support/setup.sh does)"
done

mkdir -p "$work"
cd "$work"
src=$(find . -maxdepth 1 -type d -name 'epics-base-7.0.3.1*' | head -n1)
if [ -z "$src" ]; then
  say "fetching the Debian source package epics-base into $work"
  apt-get source epics-base >apt-source.log 2>&1 || {
    tail -n 20 apt-source.log >&2
    die "'apt-get source epics-base' failed: is there a deb-src line for bookworm main?"
  }
  src=$(find . -maxdepth 1 -type d -name 'epics-base-7.0.3.1*' | head -n1)
  [ -n "$src" ] || die "apt-get source did not produce epics-base-7.0.3.1 (wrong version in the archive?)"
fi
cd "$src"
say "building in $PWD, installing into $prefix"

cat >configure/CONFIG_SITE.local <<EOF
INSTALL_LOCATION = $prefix
CROSS_COMPILER_TARGET_ARCHS =
EOF
export EPICS_HOST_ARCH=$arch

log="$work/build.log"
: >"$log"
step() {
  local dir=$1
  say "make $dir ..."
  if ! make -j"$jobs" -C "$dir" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "make in $dir failed (full log: $log)"
  fi
}

start=$(date +%s)
step configure
step src
step modules/libcom/src
step modules/ca/src
step modules/database/src

for f in "${wanted[@]}"; do
  [ -e "$prefix/$f" ] || die "build finished but $prefix/$f is missing (log: $log)"
done
touch "$prefix/.fws-complete"
say "done in $(($(date +%s) - start)) s: $prefix/bin/$arch/{softIoc,caget,caput,camonitor,cainfo}"
