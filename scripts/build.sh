#!/usr/bin/env bash
# Builds route, vnet and the tests into build/. Safe to run repeatedly; works
# from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

./scripts/install-deps.sh

# Configure when build/ is not configured yet or a CMake file is newer than the
# cache (cmake --build would notice too, but this also covers a broken cache).
need_configure=0
if [[ ! -f build/CMakeCache.txt ]]; then
  need_configure=1
elif [[ -n $(find . -path ./build -prune -o \( -name CMakeLists.txt -o -name '*.cmake' \) \
                  -newer build/CMakeCache.txt -print -quit) ]]; then
  need_configure=1
fi

if ((need_configure)); then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi

cmake --build build -j2
