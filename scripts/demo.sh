#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs SPMA, NPG and softmax PG on the 5x5 MDP,
# CliffWorld and DeepSeaTreasure, and plots log suboptimality against iteration.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (default: out/demo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/out/demo}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" >/dev/null
tabrl="$root/build/experiments/tabrl"
mkdir -p "$out/curves"

# mdp spec | SPMA step | NPG step | iterations
runs=(
  "five_by_five|0.099|1|3000"
  "cliff_world|safe|1|3000"
  "deep_sea_treasure|safe|1|3000"
)
for entry in "${runs[@]}"; do
  IFS='|' read -r mdp spma_step npg_step iterations <<<"$entry"
  for algorithm in spma npg spg; do
    case $algorithm in
      spma) step=$spma_step ;;
      npg) step=$npg_step ;;
      spg) step=theory ;;
    esac
    "$tabrl" run --mdp "$mdp" --algo "$algorithm" --step-size "$step" --iterations "$iterations" \
      --tolerance 1e-10 --out "$out/curves/${mdp}_${algorithm}.csv"
  done
done
# Debian's interpreter, where python3-matplotlib is installed (not a pyenv or venv one).
/usr/bin/python3 "$root/experiments/plot_demo.py" "$out/curves" "$out/convergence.png"
echo "tabrl demo: curves in $out/curves, figure at $out/convergence.png"
