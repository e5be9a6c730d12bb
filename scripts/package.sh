#!/usr/bin/env bash
# Builds the Debian package vnet_<version>_<arch>.deb into build-deb/ (its
# own build directory: no tests, so cpack's pre-install build stays short)
# and prints its path. Install it with `apt install ./build-deb/vnet_*.deb`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# help2man makes the man pages; dpkg-dev has dpkg-shlibdeps for Depends.
./scripts/install-deps.sh help2man dpkg-dev

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVNET_BUILD_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr "${launcher[@]}" >/dev/null
cmake --build build-deb -j2 >/dev/null
(cd build-deb && cpack -G DEB >/dev/null)
ls "$root"/build-deb/vnet_*.deb
