#!/usr/bin/env bash
# Builds vnet for 64-bit Windows on Debian: vnet.exe and vnet-route.exe
# (static, no DLLs) in build-windows/, and build-windows/vnet-VERSION-win64.zip
# (both .exe, vnet.cmd, config.ini.example, README-windows.txt). One command,
# safe to rerun:
#   1. installs MinGW-w64, Wine and autotools (scripts/windows/install-toolchain.sh);
#   2. cross-builds the dependencies from Debian's source packages into a
#      cache keyed by their versions, reused when present
#      (scripts/windows/build-deps.sh; ~/.cache/vnet-windows);
#   3. configures CMake with cmake/mingw-w64-x86_64.cmake and builds.
# The Linux build (build/) is not touched. Try it: wine build-windows/vnet.exe --help
# Options: --tests also cross-builds the pure unit tests and the in-process
# e2e tests (ctest under Wine: tests/windows/run_tests.sh).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=build-windows
tests=OFF
[[ "${1:-}" == "--tests" ]] && tests=ON

t0=$SECONDS
./scripts/windows/install-toolchain.sh
deps=$(./scripts/windows/build-deps.sh)
echo "build-windows: dependencies in $deps ($((SECONDS - t0)) s)" >&2

# ccache, when installed, in its per-user folder (~/.cache/ccache unless
# CCACHE_DIR says otherwise). Paths below the source root are hashed as
# relative ones, so a fresh clone elsewhere (CI) reuses what an earlier one
# compiled; the build is Release, without debug info naming the folder.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$root
fi
cmake -S . -B "$out" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
  -DVNET_WINDOWS_DEPS="$deps" -DCMAKE_BUILD_TYPE=Release -DVNET_BUILD_TESTS=$tests \
  "${launcher[@]}" >/dev/null
targets=(vnet route)
if [[ $tests == ON ]]; then targets+=(windows_unit_tests windows_e2e_tests); fi
cmake --build "$out" -j"${JOBS:-2}" --target "${targets[@]}"

# The Windows names: the route is vnet-route.exe, as on Linux once installed.
cp "$out/src/vnet.exe" "$out/vnet.exe"
cp "$out/src/route.exe" "$out/vnet-route.exe"
x86_64-w64-mingw32-strip "$out/vnet.exe" "$out/vnet-route.exe"

version=$(sed -n 's/^project(vnet VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
stage="$out/vnet-$version-win64"
rm -rf "$stage" "$stage.zip"
mkdir -p "$stage"
cp "$out/vnet.exe" "$out/vnet-route.exe" scripts/vnet.cmd "$stage/"
cp config.ini.example "$stage/config.ini.example"
cp packaging/windows/README-windows.txt "$stage/README-windows.txt"
# Notepad-friendly line ends for the text files.
for f in "$stage/vnet.cmd" "$stage/config.ini.example" "$stage/README-windows.txt"; do
  sed -i 's/\r\{0,1\}$/\r/' "$f"
done
(cd "$out" && zip -qr "vnet-$version-win64.zip" "vnet-$version-win64")
rm -rf "$stage"
echo "build-windows: $out/vnet.exe, $out/vnet-route.exe, $out/vnet-$version-win64.zip ($((SECONDS - t0)) s)" >&2
