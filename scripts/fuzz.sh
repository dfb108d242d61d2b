#!/usr/bin/env bash
# Fuzzes the reader of every MDP format (the table in mdps/formats.cpp: one fuzzer each) with
# libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer, starting from the seed corpus
# in tests/fuzz/corpus/FORMAT.
# Usage: scripts/fuzz.sh [BUDGET]   (default 60)
#   BUDGET = N      fuzz each reader for N seconds, with a random seed (exploration)
#   BUDGET = Nruns  fuzz each reader for N inputs with seed 1 (repeatable: the same inputs
#                   every time, as the test command uses it so that CI cannot fail on a finding
#                   that was never seen before; run the timed mode to explore). A reader starts
#                   no new input after 15 minutes (one it is running may take a minute or two
#                   more): the inputs it ran are still the first ones of the same sequence, and
#                   the test command's length stays bounded when libFuzzer's path drifts to slow
#                   inputs (a model of a million states takes 10-20 s under ASan)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
budget=${1:-60}
runs=0
if [[ $budget == *runs ]]; then
  runs=${budget%runs}
  cap_seconds=900
  # -reload=0: the corpus folder is not read again while fuzzing, so that no input enters the
  # run at a moment that depends on the clock.
  limit=(-runs="$runs" -seed=1 -reload=0 -max_total_time="$cap_seconds")
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
  # New inputs go to a scratch copy of the seed corpus (the repository's is left as it is); the
  # log and any crashing input go next to it, outside the folder libFuzzer reads inputs from.
  work=$(mktemp -d)
  mkdir "$work/corpus"
  cp "$root/tests/fuzz/corpus/$reader/"* "$work/corpus/"
  # -timeout=60: a valid model of 2 million states read under ASan takes about 10 s, more on a
  # loaded machine; a hang still fails, but the repeatable run must not depend on the load.
  if "$build/tests/fuzz/fuzz_$reader" "$work/corpus" "${limit[@]}" -max_len=4096 \
      -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
      >"$work/log" 2>&1; then
    executed=$(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work/log" |
               awk '{print $2}' || true)
    note=$seconds
    if [[ -z $executed ]]; then
      executed="?"
      note="$seconds; no input count in the log"
    elif ((runs > 0 && executed < runs)); then
      note="$seconds; stopped at the ${cap_seconds} s cap, before $runs"
    fi
    echo "fuzz $reader: ok, $executed inputs ($note)"
    rm -rf "$work"
  else
    echo "fuzz $reader: FAILED (log and crashing input kept in $work)"
    grep -m5 -E "ERROR|SUMMARY|runtime error" "$work/log" || tail -20 "$work/log"
    status=1
  fi
done
exit $status
