#!/usr/bin/env bash
# Runs every benchmark (Google Benchmark programs, NumPy on OpenBLAS and on the reference BLAS
# side by side, the thread scaling and the 1e6-state Garnet through `tabrl run`) and writes
# docs/performance.md from the measurements. Takes about half an hour (NumPy's dense 10,000-state
# iteration and the 1e6-state runs are most of it). Run it on a quiet machine: every number is
# a wall-clock time.
# Usage: scripts/bench.sh [OUTPUT_MD]   (default docs/performance.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:-$root/docs/performance.md}
# OpenBLAS (for NumPy) and threadpoolctl (to report which BLAS NumPy loaded) come with
# --with-bench, which keeps the system's BLAS selection as it was: each NumPy process below picks
# its BLAS with LD_LIBRARY_PATH (the openblas-pthread directory, or the reference blas and lapack
# directories), which affects that process only.
bash "$root/scripts/setup.sh"  # first the base, NumPy and its BLAS among it
bash "$root/scripts/setup.sh" --with-bench
lib=/usr/lib/x86_64-linux-gnu

bash "$root/scripts/build.sh" >/dev/null
tabrl="$root/build/experiments/tabrl"
# The raw measurements are kept, so that the report can be regenerated without rerunning.
work="$root/build/bench-results"
mkdir -p "$work"
# The processor, for the report: the machines that run these benchmarks differ.
sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1 >"$work/cpu.txt"
# Waiting threads sleep, as in `tabrl run` (which sets this itself): the phase bench of the 1e6
# Garnet then measures what the run lengths below measure (docs/performance.md).
OMP_WAIT_POLICY=passive "$root/build/bench/tabrl_bench" --benchmark_format=json --benchmark_out="$work/tabrl.json" \
  --benchmark_out_format=json >/dev/null

# NumPy on each BLAS, one process per size (so that each peak memory belongs to its size alone);
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for these commands only.
: >"$work/numpy.jsonl"
numpy_run() {  # numpy_run LABEL LIBRARY_PATH SIZE
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$2" /usr/bin/python3 \
    "$root/bench/numpy_reference.py" "$1" "$3" >>"$work/numpy.jsonl"
}
for size in 10 100 300 1000 2000; do
  numpy_run openblas "$lib/openblas-pthread" "$size"
  numpy_run reference "$lib/blas:$lib/lapack" "$size"
done
# The sparse 10,000-state Garnet densified (NumPy has no sparse solve of its own): OpenBLAS only.
numpy_run openblas "$lib/openblas-pthread" 10000:5

# Side by side: seven rounds. In each, the iteration at S = 100 (dense and Krylov) is timed and
# then NumPy + OpenBLAS at S = 100 (seven batches) at once, then the same at S = 1000, and then
# the dense iteration at 300 and 500 with the bare LU at 100, 300 and 500 (seven repetitions
# each), so that the two sides of each ratio are seconds apart on a shared machine whose speed
# drifts by a third within minutes.
: >"$work/side_by_side.jsonl"
side_tabrl() {  # side_tabrl ROUND FILTER: tabrl's benchmarks matching FILTER, medians as JSON lines
  OMP_WAIT_POLICY=passive "$root/build/bench/tabrl_bench" --benchmark_filter="$2" \
    --benchmark_format=json --benchmark_out="$work/side_by_side_tabrl.json" \
    --benchmark_out_format=json >/dev/null
  /usr/bin/python3 - "$work/side_by_side_tabrl.json" "$1" >>"$work/side_by_side.jsonl" <<'PY'
import json, sys
for bench in json.load(open(sys.argv[1]))["benchmarks"]:
    if bench.get("aggregate_name") == "median":
        lu = bench["run_name"].startswith("lu_bare/")
        print(json.dumps({"round": int(sys.argv[2]), "side": "lu" if lu else "tabrl",
                          "states": int(bench["run_name"].split("/")[1]) if lu else int(bench["S"]),
                          "solver": "" if lu else bench.get("label", ""),
                          "seconds_per_iteration": bench["real_time"] *
                          {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]}))
PY
}
for round in 1 2 3 4 5 6 7; do
  for size in 100 1000; do
    side_tabrl "$round" "^dense_random_iteration/S:$size/solver:(1|3)/"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH="$lib/openblas-pthread" \
      /usr/bin/python3 "$root/bench/numpy_reference.py" openblas "$size" |
      /usr/bin/python3 -c 'import json, sys; row = json.loads(sys.stdin.read()); row.update(round=int(sys.argv[1]), side="numpy"); print(json.dumps(row))' "$round" \
      >>"$work/side_by_side.jsonl"
  done
  side_tabrl "$round" '^(dense_random_iteration/S:(300|500)/solver:1/|lu_bare/(100|300|500)/)'
done

# tabrl's peak memory per size: a 3-iteration `tabrl run` (model, optimal solution, evaluation)
# on fully dense Garnet MDPs (branching = S, the dense random MDPs above) and on sparse ones.
: >"$work/memory.jsonl"
measure() {  # measure KIND STATES BRANCHING SOLVER
  local kb
  kb=$( { /usr/bin/time -f "%M" "$tabrl" run \
      --mdp "garnet(states=$2,actions=4,branching=$3)" --algo spma --step-size 0.05 \
      --iterations 3 --solver "$4" --quiet >/dev/null; } 2>&1 | tail -1)
  echo "{\"kind\": \"$1\", \"states\": $2, \"solver\": \"$4\", \"peak_rss_mb\": $((kb / 1024))}" >>"$work/memory.jsonl"
}
for states in 10 100 300 1000 2000; do measure dense "$states" "$states" dense; done
for states in 1000 10000 100000; do measure garnet "$states" 5 krylov; done

# Whole `tabrl run`s on garnet(states=S, actions=4, branching=5) with 1 and 2 threads: wall time,
# peak memory, and the time of one SPMA iteration in steady state as the difference of two run
# lengths, (T(N2) - T(N1)) / (N2 - N1). The setup (generation, validation, optimal solve) is the
# run of 0 iterations minus one evaluation. The curves of the two thread counts are compared
# byte for byte.
: >"$work/runs.jsonl"
timed_run() {  # timed_run STATES THREADS ITERATIONS -> one JSON line
  local out="$work/curve_$1_$2_$3.csv" timing
  timing=$( { /usr/bin/time -f "%e %M" "$tabrl" run --mdp "garnet(states=$1,actions=4,branching=5)" \
      --algo spma --step-size 0.05 --iterations "$3" --threads "$2" --out "$out" --quiet; } 2>&1 |
    tail -1)
  echo "{\"states\": $1, \"threads\": $2, \"iterations\": $3, \"seconds\": ${timing% *}, \"peak_rss_mb\": $(( ${timing#* } / 1024 ))}" >>"$work/runs.jsonl"
}
for states in 10000 100000 1000000; do
  # 16 iterations at 1e6: the Krylov warm start extrapolates from up to 8 past solutions, so the
  # first iterations of a run are slower than the steady state (docs/engine.md).
  long=$((states >= 1000000 ? 16 : 21))
  for threads in 1 2; do
    timed_run "$states" "$threads" 1
    timed_run "$states" "$threads" "$long"
  done
  if cmp -s "$work/curve_${states}_1_$long.csv" "$work/curve_${states}_2_$long.csv"; then same=true; else same=false; fi
  echo "{\"states\": $states, \"identical_curves\": $same}" >>"$work/runs.jsonl"
done
timed_run 1000000 2 0

/usr/bin/python3 "$root/bench/report_performance.py" "$work/tabrl.json" "$work/numpy.jsonl" \
  "$work/memory.jsonl" "$work/runs.jsonl" "$work/side_by_side.jsonl" >"$output"
echo "bench: wrote $output"
