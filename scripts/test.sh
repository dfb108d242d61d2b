#!/usr/bin/env bash
# The test command: installs what is missing (SLURM for the cluster test, clang for the fuzzers),
# builds, fuzzes the MDP readers for a CI-sized while, then runs the whole suite in parallel.
# Usage: scripts/test.sh [FUZZ_SECONDS_PER_READER]   (default 60; 0 skips fuzzing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fuzz_seconds=${1:-60}
bash "$root/scripts/setup.sh" --with-slurm --with-fuzz
bash "$root/scripts/build.sh"
if [[ $fuzz_seconds -gt 0 ]]; then
  bash "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
cd "$root/build"
ctest --output-on-failure -j2
