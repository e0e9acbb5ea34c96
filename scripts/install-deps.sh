#!/bin/sh
# Installs the Debian packages chimera-sim needs, skipping those already present.
# Idempotent; works as root on a fresh Debian 12 (uses sudo when not root).
set -eu

PACKAGES="g++ cmake make pkg-config
libsimgrid-dev libboost-graph-dev libtomlplusplus-dev doctest-dev libbenchmark-dev
libcli11-dev libfmt-dev nlohmann-json3-dev libns3-dev python3-matplotlib
pybind11-dev python3-dev"

# `install-deps.sh fuzz` (make fuzz-build) also installs clang and its runtime (libFuzzer,
# sanitizers); `make test` and `make demo` need neither.
FUZZ_PACKAGES="clang libclang-rt-14-dev"
if [ "${1:-}" = fuzz ]; then
  PACKAGES="$PACKAGES $FUZZ_PACKAGES"
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
