#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs the demo sweep (SPMA, NPG, softmax PG and
# APG at their theory steps and on a shared grid, on the 5x5 MDP, the n-chain, the FlatGrad chain
# and a Garnet MDP), summarizes it and plots it.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/out/demo}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" >/dev/null
tabrl="$root/build/experiments/tabrl"
# --restart: the demo's directory is rebuilt whenever the demo config changes.
"$tabrl" sweep "$root/experiments/configs/demo.toml" --out "$out" --restart
"$tabrl" summarize "$out"
"$tabrl" plot "$out" --out "$out/figures" >/dev/null
echo "tabrl demo: runs in $out/runs.csv, curves in $out/curves.csv"
echo "tabrl demo: headline figure at $out/figures/theory_steps.png (every method at its theory step)"
echo "tabrl demo: tuned steps at $out/figures/convergence.png"
