#!/usr/bin/env bash
# Installs the independent references the tests compare against (Debian
# packages) and builds EPICS base once into ~/.cache/fws. Needs root for apt.
# Safe to run again: everything already present is skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

packages=(chromium python3-h5py python3-scipy python3-lmfit hdf5-tools python3-silx libca-dev
  libxml2-utils systemd dpkg-dev libreadline-dev perl make g++ clang-16 lld-16)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # EPICS base is built from Debian's source package: apt-get source needs deb-src.
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ &&
    ! grep -qs '^deb-src' /etc/apt/sources.list; then
    cat >/etc/apt/sources.list.d/fws-debian-src.sources <<'X'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
X
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ -f "$here/build_epics.sh" ]; then
  bash "$here/build_epics.sh"
fi
