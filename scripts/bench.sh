#!/usr/bin/env bash
# Runs every benchmark (Google Benchmark programs and the NumPy reference, side by side) and
# writes docs/performance.md from the measurements. Takes a few minutes.
# Usage: scripts/bench.sh [OUTPUT_MD]   (default docs/performance.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:-$root/docs/performance.md}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" >/dev/null
# The raw measurements are kept, so that the report can be regenerated without rerunning.
work="$root/build/bench-results"
mkdir -p "$work"
"$root/build/bench/tabrl_bench" --benchmark_format=json --benchmark_out="$work/tabrl.json" \
  --benchmark_out_format=json >/dev/null
# Debian's NumPy as it is installed (its BLAS/LAPACK is whatever the libblas/liblapack
# alternatives point to); OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for this command only.
# One process per size, so that each peak memory belongs to its size alone.
: >"$work/numpy.jsonl"
for states in 10 100 300 1000 2000; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/numpy_reference.py" \
    "$states" >>"$work/numpy.jsonl"
done
# tabrl's peak memory per size: a 3-iteration `tabrl run` (model, optimal solution, evaluation)
# on fully dense Garnet MDPs (branching = S, the dense random MDPs above) and on sparse ones.
: >"$work/memory.jsonl"
measure() {  # measure KIND STATES BRANCHING SOLVER
  local kb
  kb=$( { /usr/bin/time -f "%M" "$root/build/experiments/tabrl" run \
      --mdp "garnet(states=$2,actions=4,branching=$3)" --algo spma --step-size 0.05 \
      --iterations 3 --solver "$4" --quiet >/dev/null; } 2>&1 | tail -1)
  echo "{\"kind\": \"$1\", \"states\": $2, \"solver\": \"$4\", \"peak_rss_mb\": $((kb / 1024))}" >>"$work/memory.jsonl"
}
for states in 10 100 300 1000 2000; do measure dense "$states" "$states" dense; done
for states in 1000 10000 100000; do measure garnet "$states" 5 krylov; done
/usr/bin/python3 "$root/bench/report_performance.py" "$work/tabrl.json" "$work/numpy.jsonl" \
  "$work/memory.jsonl" >"$output"
echo "bench: wrote $output"
