#!/usr/bin/env bash
# Installs the Debian packages the build needs, plus any package named as an
# argument (scripts/fuzz.sh adds clang). Idempotent: a fast no-op when
# everything is already installed.
set -euo pipefail

packages=(
  cmake g++ make pkg-config python3
  libboost1.81-dev libboost-program-options1.81-dev
  libspdlog-dev libgtest-dev libssl-dev libsodium-dev libreadline-dev
  # man pages (help2man), and what tests/blackbox/test_install.py checks them
  # and the systemd units with
  help2man groff-base man-db systemd
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: not root and sudo is not available; please install: ${missing[*]}" >&2
    exit 1
  fi
fi

"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
