#!/usr/bin/env bash
# The test command: installs what is missing (SLURM for the cluster test, clang for the fuzzers),
# builds, fuzzes the MDP readers (a fixed, repeatable 150,000 inputs each, usually a few minutes,
# no new input after 15 minutes each), then runs the whole suite in parallel.
# Usage: scripts/test.sh [FUZZ_BUDGET]   (default 150000runs; see scripts/fuzz.sh; 0 skips)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz_budget=${1:-150000runs}
bash "$root/scripts/setup.sh" --with-slurm --with-fuzz --with-format
bash "$root/scripts/build.sh"
if [[ $fuzz_budget != 0 ]]; then
  bash "$root/scripts/fuzz.sh" "$fuzz_budget"
fi
cd "$root/build"
ctest --output-on-failure -j2
