#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs the demo sweep (SPMA, NPG and softmax PG
# on the 5x5 MDP, CliffWorld, DeepSeaTreasure and Garnet MDPs), summarizes it and plots it.
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
figure=$("$tabrl" plot "$out" --out "$out/figures")
echo "tabrl demo: runs in $out/runs.csv, curves in $out/curves.csv"
echo "tabrl demo: headline figure at $figure"
