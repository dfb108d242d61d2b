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
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/numpy_reference.py" \
  10 100 300 1000 2000 >"$work/numpy.jsonl"
/usr/bin/python3 "$root/bench/report_performance.py" "$work/tabrl.json" "$work/numpy.jsonl" \
  >"$output"
echo "bench: wrote $output"
