#!/usr/bin/env bash
# Runs the Windows build's unit tests under Wine (ctest: windows_unit_tests).
# Exit 77 (ctest's skip) when they are not built: scripts/build-windows.sh
# --tests builds them into build-windows/tests/.
set -uo pipefail
dir=${1:?usage: run_unit_tests.sh BUILD-WINDOWS-DIR}
exe=$dir/tests/windows_unit_tests.exe
wine=$(command -v wine64 || command -v wine || true)
if [[ ! -f "$exe" || -z "$wine" ]]; then
  echo "skipped: no $exe or no Wine (scripts/build-windows.sh --tests)"
  exit 77
fi
WINEDEBUG=-all exec "$wine" "$exe" --gtest_brief=1
