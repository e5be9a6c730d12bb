#!/usr/bin/env bash
# Builds everything, then runs the whole test suite (unit, in-process end to
# end, black box), and the Windows build's tests under Wine. Exit code is
# ctest's.
#   VNET_SKIP_WINDOWS=1  leaves the Windows build and its tests out (they are
#                        then skipped, also in CI). Without it, a machine with
#                        no dependency cache first cross-builds the Windows
#                        dependencies (~38 min on 2 cores;
#                        docs/development.md, "Windows under Wine").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

t0=$SECONDS
./scripts/build.sh
# Only the tests need a browser: the status page is checked in headless
# Chromium (tests/blackbox/test_metrics.py).
./scripts/install-deps.sh chromium
echo "test: Linux build $((SECONDS - t0)) s" >&2

if [[ "${VNET_SKIP_WINDOWS:-}" == 1 ]]; then
  echo "test: VNET_SKIP_WINDOWS=1: no Windows build, its tests are skipped" >&2
else
  t1=$SECONDS
  ./scripts/build-windows.sh --tests
  echo "test: Windows build $((SECONDS - t1)) s" >&2
fi

t2=$SECONDS
set +e
ctest --test-dir build --output-on-failure -j2 --timeout 300 "$@"
rc=$?
set -e
echo "test: ctest $((SECONDS - t2)) s, all $((SECONDS - t0)) s" >&2
exit $rc
