#!/usr/bin/env bash
# Fuzzes the reader of every MDP format (the table in mdps/formats.cpp: one fuzzer each) with
# libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer, starting from the seed corpus
# in tests/fuzz/corpus/FORMAT.
# Usage: scripts/fuzz.sh [BUDGET]   (default 60)
#   BUDGET = N      fuzz each reader for N seconds, with a random seed (exploration)
#   BUDGET = Nruns  fuzz each reader for exactly N inputs with seed 1 (repeatable: the same
#                   inputs every time, as the test command uses it so that CI cannot fail on
#                   a finding that was never seen before; run the timed mode to explore)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budget=${1:-60}
if [[ $budget == *runs ]]; then
  limit=(-runs="${budget%runs}" -seed=1)
  seconds="seed 1"
else
  limit=(-max_total_time="$budget")
  seconds="${budget}s"
fi
build="$root/build-fuzz"
bash "$root/scripts/setup.sh" --with-fuzz
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTABRL_FUZZ=ON -DTABRL_BUILD_TESTS=OFF -DTABRL_BUILD_BENCH=OFF -DTABRL_BUILD_CLI=OFF >/dev/null
fi
if ! cmake --build "$build" --parallel "$(nproc)" >"$build/build.log" 2>&1; then
  tail -30 "$build/build.log"
  exit 1
fi
status=0
# The formats the build made fuzzers for (tests/fuzz/CMakeLists.txt), in the table's order.
mapfile -t readers <"$build/tests/fuzz/formats.txt"
for reader in "${readers[@]}"; do
  if ! compgen -G "$root/tests/fuzz/corpus/$reader/*" >/dev/null; then
    echo "fuzz $reader: FAILED (no seed corpus in tests/fuzz/corpus/$reader)"
    status=1
    continue
  fi
  work=$(mktemp -d)
  cp "$root/tests/fuzz/corpus/$reader/"* "$work/"
  # New inputs go to the scratch copy; the repository's seed corpus is left as it is.
  # -timeout=60: a valid model of 2 million states read under ASan takes about 10 s, more on a
  # loaded machine; a hang still fails, but the repeatable run must not depend on the load.
  if "$build/tests/fuzz/fuzz_$reader" "$work" "${limit[@]}" -max_len=4096 \
      -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
      >"$work/log" 2>&1; then
    echo "fuzz $reader: ok, $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | awk '{print $2}') inputs ($seconds)"
    rm -rf "$work"
  else
    echo "fuzz $reader: FAILED (log and crashing input kept in $work)"
    grep -m5 -E "ERROR|SUMMARY|runtime error" "$work/log" || tail -20 "$work/log"
    status=1
  fi
done
exit $status
