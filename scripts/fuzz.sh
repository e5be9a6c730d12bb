#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 60) from its seed corpus
# (tests/fuzz/corpus/<target>). Builds build-fuzz/ with clang first when
# needed; the normal gcc build in build/ is not touched. New inputs go to
# build-fuzz/corpus/<target> (the checked-in seeds are left as they are),
# crashes to build-fuzz/findings/<target>/. Exits 1 on any finding.
#   scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=${FUZZ_BUILD_JOBS:-2}

./scripts/install-deps.sh clang  # libFuzzer and the sanitizers come with Debian's clang

cmake -S . -B build-fuzz -DVNET_FUZZ=ON -DVNET_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_frame fuzz_config >/dev/null

status=0
for target in frame config; do
  work=build-fuzz/corpus/$target
  findings=build-fuzz/findings/$target
  rm -rf "$findings"
  mkdir -p "$work" "$findings"
  log=build-fuzz/fuzz_$target.log
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$target" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  found=$(find "$findings" -type f | wc -l)
  echo "fuzz_$target: ${seconds}s, $runs runs (~$rate/s), $found finding(s), exit $rc (log: $log)"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    find "$findings" -type f -printf '  finding: %p\n'
  fi
done
exit "$status"
