#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then, from outside the source tree: examples/cpp
# built against the installed CMake package (find_package(tabrl CONFIG)) and run, the installed
# tabrl binary with its installed plotting script, and the installed Python module imported by
# Debian's interpreter.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR [PYTHON]   (PYTHON empty: no Python module)
set -euo pipefail
build=$1
source=$2
python=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for path in bin/tabrl lib/cmake/tabrl/tabrlConfig.cmake lib/libtabrl_core.a \
            include/tabrl/core/mdp.hpp include/tabrl/algorithms/optimizer.hpp; do
  [[ -e $prefix/$path ]] || { echo "install_test: $path was not installed" >&2; exit 1; }
done

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$source/examples/cpp" -B "$work/example" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/example" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
cd "$work"
"$work/example/spma_five_by_five" | tee "$work/example.out"
grep -q '^J\* = 9.40839850637333' "$work/example.out"
grep -q '^spma: converged' "$work/example.out"

"$prefix/bin/tabrl" list >/dev/null

# The installed tabrl finds the plotting script in PREFIX/share/tabrl, not in the source tree (and
# the installed module runs the installed tabrl): a marker line added to the installed copy shows
# which one ran.
[[ -f $prefix/share/tabrl/report/plot_sweep.py && -f $prefix/share/tabrl/configs/demo.toml ]] ||
  { echo "install_test: share/tabrl is incomplete" >&2; exit 1; }
printf '\nPath(sys.argv[2], "installed-script-ran").write_text("yes")\n' \
  >>"$prefix/share/tabrl/report/plot_sweep.py"
cat >"$work/tiny.toml" <<'TOML'
[sweep]
iterations = 20
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spma"
step_size = 0.05
TOML
"$prefix/bin/tabrl" sweep "$work/tiny.toml" --out "$work/sweep" --quiet
"$prefix/bin/tabrl" plot "$work/sweep" --out "$work/figures" >/dev/null
[[ -f $work/figures/installed-script-ran && -f $work/figures/convergence.png ]] ||
  { echo "install_test: tabrl plot did not run PREFIX/share/tabrl/report/plot_sweep.py" >&2; exit 1; }

if [[ -n $python ]]; then
  site=$prefix/lib/python3/dist-packages
  [[ -f $site/tabrl/__init__.py ]] || { echo "install_test: no $site/tabrl" >&2; exit 1; }
  PYTHONPATH=$site env -u TABRL_CLI "$python" - "$site" "$work/sweep" "$work/python-figures" <<'PYTHON'
import sys
import tabrl
assert tabrl.__file__.startswith(sys.argv[1]), tabrl.__file__
result = tabrl.run(tabrl.Mdp.load("five_by_five"), "spma", step_size=0.099, iterations=10)
assert len(result.curve) == 11, result.curve
figure = tabrl.plot(sys.argv[2], out=sys.argv[3])
assert (figure.parent / "installed-script-ran").exists(), "not the installed plot_sweep.py"
print("python:", tabrl.__file__, result.status, figure)
PYTHON
fi
echo "install_test: ok"
