#!/usr/bin/env bash
# Builds everything, then runs the whole test suite (unit, in-process end to
# end, black box). Exit code is ctest's.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

./scripts/build.sh
# Only the tests need a browser: the status page is checked in headless
# Chromium (tests/blackbox/test_metrics.py).
./scripts/install-deps.sh chromium

set +e
ctest --test-dir build --output-on-failure -j2 --timeout 300 "$@"
rc=$?
set -e
exit $rc
