#!/usr/bin/env bash
# The test command: installs what is missing (SLURM too, for the cluster test), builds, runs the
# whole suite in parallel.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" --with-slurm
bash "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j2
