#!/usr/bin/env bash
# The Debian package (docs/python.md, "The Debian package"): `cpack -G DEB` into a temporary
# directory, then its file list (dpkg-deb -c) and fields (dpkg-deb -f: Depends among them), then
# the package unpacked with `dpkg -x` into a temporary root and used from there, as an installed
# copy would be: the tabrl program with its share/tabrl, examples/cpp built against its CMake
# package, and the Python module with PYTHONPATH.
# Then a real `dpkg -i` and `dpkg -r` in a throwaway overlay of the system (root only), and
# `apt-get install --simulate` resolves the dependencies. Nothing is installed on the system.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR [PYTHON]   (PYTHON empty: the build has no Python module)
# Exit 77 (skipped) without dpkg-deb or dpkg-shlibdeps (package dpkg-dev).
set -euo pipefail
build=$1
source=$2
python=${3:-}
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "deb_test: $tool not found: skipped" >&2; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deb_test: $*" >&2; exit 1; }

# The package directory (and CPack's staging tree inside it) is the temporary one.
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/package" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
shopt -s nullglob
debs=("$work"/package/tabrl_*.deb)
((${#debs[@]} == 1)) || { ls -R "$work/package" >&2; fail "expected one tabrl_*.deb"; }
deb=${debs[0]}
arch=$(dpkg --print-architecture)
version=$(dpkg-deb -f "$deb" Version)
[[ $(basename "$deb") == "tabrl_${version}_${arch}.deb" ]] || fail "file name $(basename "$deb")"
echo "deb_test: $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# The fields.
[[ $(dpkg-deb -f "$deb" Package) == tabrl ]] || fail "Package is not tabrl"
[[ $(dpkg-deb -f "$deb" Architecture) == "$arch" ]] || fail "Architecture is not $arch"
[[ -n $(dpkg-deb -f "$deb" Maintainer) && -n $(dpkg-deb -f "$deb" Description) ]] ||
  fail "no Maintainer or Description"
depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_test: Depends: $depends"
# Each declared dependency as a package name, one per line (alternatives and versions dropped).
names=$(tr ',|' '\n\n' <<<"$depends" | sed -E 's/\(.*\)//; s/^ +//; s/ +$//' | sort -u)
required=(libc6 libstdc++6 libgcc-s1 python3 python3-matplotlib python3-numpy libeigen3-dev
          libtomlplusplus-dev nlohmann-json3-dev)
# The programs link Boost.Program_options dynamically: dpkg-shlibdeps must have found it.
if readelf -d "$build/experiments/tabrl" | grep -q 'NEEDED.*libboost_program_options'; then
  required+=(libboost-program-options1.74.0)
fi
if [[ -n $python ]]; then
  required+=(python3-scipy python3-pandas)
  minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  grep -q "python3 (>= $minor)" <<<"$depends" || fail "Depends lacks python3 (>= $minor)"
  grep -q "python3 (<< " <<<"$depends" || fail "Depends lacks an upper bound on python3"
fi
for package in "${required[@]}"; do
  grep -qx "$package" <<<"$names" || fail "Depends lacks $package"
done

# The maintainer scripts of the module's byte-code (py3compile, py3clean): there, executable,
# valid sh.
if [[ -n $python ]]; then
  dpkg-deb -e "$deb" "$work/control"
  for script in postinst prerm; do
    [[ -x $work/control/$script ]] || fail "no executable $script in the package"
    sh -n "$work/control/$script" || fail "$script is not valid sh"
  done
  grep -q 'py3compile -p tabrl' "$work/control/postinst" || fail "postinst does not byte-compile"
  grep -q 'py3clean -p tabrl' "$work/control/prerm" || fail "prerm does not clean"
fi

# The file list: everything under /usr, and the parts each user needs.
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
outside=$(grep -v '^\./usr/' "$work/files" | grep -v '^\./$' || true)
[[ -z $outside ]] || fail "files outside /usr: $outside"
expected=(./usr/bin/tabrl
          ./usr/share/tabrl/report/plot_sweep.py
          ./usr/share/tabrl/configs/demo.toml ./usr/share/tabrl/configs/theory_steps.toml
          ./usr/include/tabrl/core/mdp.hpp ./usr/include/tabrl/mdps/registry.hpp
          ./usr/include/tabrl/algorithms/optimizer.hpp
          ./usr/lib/libtabrl_core.a ./usr/lib/libtabrl_mdps.a ./usr/lib/libtabrl_algorithms.a
          ./usr/lib/cmake/tabrl/tabrlConfig.cmake ./usr/lib/cmake/tabrl/tabrlConfigVersion.cmake
          ./usr/lib/cmake/tabrl/tabrlTargets.cmake)
if [[ -n $python ]]; then
  expected+=(./usr/lib/python3/dist-packages/tabrl/__init__.py
             ./usr/lib/python3/dist-packages/tabrl/_api.py
             ./usr/lib/python3/dist-packages/tabrl/_gymnasium.py)
  grep -qE '^\./usr/lib/python3/dist-packages/tabrl/_tabrl\.cpython-[0-9]+-.*\.so$' \
    "$work/files" || fail "no _tabrl extension under /usr/lib/python3/dist-packages/tabrl"
fi
for path in "${expected[@]}"; do
  grep -qx -- "$path" "$work/files" || fail "$path is not in the package"
done
grep -q 'find_dependency(Eigen3' "$build/tabrlConfig.cmake" &&
  grep -q 'find_dependency(tomlplusplus' "$build/tabrlConfig.cmake" &&
  grep -q 'find_dependency(nlohmann_json' "$build/tabrlConfig.cmake" ||
  fail "the package config lacks a find_dependency"

# Unpacked into a scratch root: the program finds its share/tabrl relative to itself, from any
# directory, with the source tree hidden (TABRL_SCRIPTS unset, a marker in the unpacked script).
root=$work/root
dpkg -x "$deb" "$root"
tabrl=$root/usr/bin/tabrl
readelf -d "$tabrl" | grep -qE 'R(UN)?PATH' && fail "the packaged tabrl has an RPATH"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset TABRL_SCRIPTS TABRL_CLI
"$tabrl" list >"$work/list.txt"
grep -q '^  forest' "$work/list.txt" && grep -q '^  cliff_walking' "$work/list.txt" ||
  { cat "$work/list.txt"; fail "tabrl list lacks forest or cliff_walking"; }
"$tabrl" reproduce --help >"$work/reproduce-help.txt"
grep -q -- '--out' "$work/reproduce-help.txt" || fail "tabrl reproduce --help"
"$tabrl" mdp solve forest >"$work/forest.txt"
grep -qE '^age0,26\.24(4|39)' "$work/forest.txt" || { cat "$work/forest.txt"; fail "tabrl mdp solve forest"; }
printf '\nPath(sys.argv[2], "packaged-script-ran").write_text("yes")\n' \
  >>"$root/usr/share/tabrl/report/plot_sweep.py"
cat >"$work/tiny.toml" <<'TOML'
[sweep]
iterations = 20
[[mdp]]
spec = "forest"
[[algorithm]]
name = "spma"
step_size = 0.05
TOML
"$tabrl" sweep "$work/tiny.toml" --out sweep --quiet
"$tabrl" plot sweep --out figures >"$work/plot.log" 2>&1 || { cat "$work/plot.log"; fail "tabrl plot"; }
[[ -f figures/packaged-script-ran && -f figures/convergence.png ]] ||
  fail "tabrl plot did not run the packaged share/tabrl/report/plot_sweep.py"

# examples/cpp against the packaged CMake package (find_package(tabrl CONFIG) from ROOT/usr).
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$source/examples/cpp" -B "$work/example" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$root/usr" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "examples/cpp does not configure against the package"; }
grep -q "$root/usr/lib/cmake/tabrl" "$work/example/CMakeCache.txt" ||
  fail "examples/cpp did not find the packaged tabrlConfig.cmake"
cmake --build "$work/example" >"$work/example-build.log" 2>&1 ||
  { cat "$work/example-build.log"; fail "examples/cpp does not build against the package"; }
"$work/example/spma_five_by_five" >"$work/example.out"
grep -q '^spma: converged' "$work/example.out" || { cat "$work/example.out"; fail "examples/cpp"; }

if [[ -n $python ]]; then
  site=$root/usr/lib/python3/dist-packages
  PYTHONPATH=$site "$python" - "$site" "$work/elsewhere/sweep" "$work/python-figures" <<'PYTHON'
import sys
import tabrl
assert tabrl.__file__.startswith(sys.argv[1]), tabrl.__file__
mdp = tabrl.Mdp.load("cliff_walking")
assert abs(mdp.solve().v[36] + (1 - 0.9 ** 13) / 0.1) < 1e-12
result = tabrl.run(mdp, "npg", step_size=1.0, iterations=50)
assert len(result.curve) == 51 and result.status == "max_iterations", result.status
P = {0: {0: [(1.0, 0, 1.0, False)], 1: [(1.0, 0, 0.0, True)]}}
assert tabrl.Mdp.from_gymnasium_P(P, 0.5).states == 2
figure = tabrl.plot(sys.argv[2], out=sys.argv[3])
assert (figure.parent / "packaged-script-ran").exists(), "not the packaged tabrl"
print("deb_test: python:", tabrl.__file__, result.status, result.iterations)
PYTHON
fi

# A real installation and removal (dpkg -i, dpkg -r), in a throwaway copy of the system: a private
# mount namespace whose root is an overlay of / with its writes in a tmpfs, entered with chroot.
# Nothing reaches the real system. Needs root, unshare and overlayfs; skipped otherwise.
install_in_overlay() {
  local top=$work/overlay
  mkdir -p "$top"
  cp "$deb" "$work/tabrl.deb"
  cat >"$work/inside.sh" <<INSIDE
set -eu
unset PYTHONPATH TABRL_CLI TABRL_SCRIPTS
step=start
trap 'status=\$?; if [ \$status != 0 ]; then echo "failed at: \$step"; cat /root/*.log 2>/dev/null; fi' EXIT
mkdir -p /root
step="dpkg -i"
dpkg -i $work/tabrl.deb >/root/dpkg-install.log 2>&1
step="byte-code"
test -f /usr/lib/python3/dist-packages/tabrl/__pycache__/__init__.cpython-*.pyc ||
  { echo "postinst did not byte-compile the module"; exit 1; }
mkdir -p /root/use && cd /root/use
step="tabrl list, mdp solve, sweep, plot"
tabrl list | grep -q '^  cliff_walking'
tabrl mdp solve forest | grep -qE '^age2,33\.48(4|39)'
tabrl sweep $work/tiny.toml --out sweep --quiet
tabrl plot sweep --out figures >/dev/null 2>&1
test -f figures/convergence.png
step="import tabrl, tabrl.plot"
if [ -n "$python" ]; then
  /usr/bin/python3 -c "import tabrl; assert tabrl.__file__ == '/usr/lib/python3/dist-packages/tabrl/__init__.py', tabrl.__file__; print(tabrl.plot('sweep', out='py-figures'))" >/root/python.log 2>&1
  grep -qx 'py-figures/convergence.png' /root/python.log && test -f py-figures/convergence.png
fi
step="examples/cpp with find_package(tabrl) and no prefix"
cmake -S $source/examples/cpp -B /root/example -DCMAKE_BUILD_TYPE=Release >/root/configure.log 2>&1
cmake --build /root/example >/root/build.log 2>&1
/root/example/spma_five_by_five | grep -q '^spma: converged'
step="dpkg -r"
dpkg -r tabrl >/root/dpkg-remove.log 2>&1
test ! -e /usr/bin/tabrl && test ! -e /usr/lib/python3/dist-packages/tabrl && test ! -e /usr/share/tabrl ||
  { echo "dpkg -r left files behind"; exit 1; }
echo "installed, used and removed"
INSIDE
  cat >"$work/overlay.sh" <<OVERLAY
set -e
mount -t tmpfs tabrl-test "$top"
mkdir "$top/upper" "$top/work" "$top/root"
mount -t overlay overlay -o lowerdir=/,upperdir="$top/upper",workdir="$top/work" "$top/root"
mount --bind /proc "$top/root/proc"
mount --bind /dev "$top/root/dev"
exec chroot "$top/root" sh "$work/inside.sh"
OVERLAY
  unshare --mount --propagation private sh "$work/overlay.sh"
}
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null &&
   unshare --mount --propagation private sh -c \
     "mount -t tmpfs probe '$work/package' && mkdir '$work/package/u' '$work/package/w' '$work/package/m' &&
      mount -t overlay overlay -o lowerdir=/,upperdir='$work/package/u',workdir='$work/package/w' '$work/package/m'" \
     >/dev/null 2>&1; then
  result=$(install_in_overlay 2>&1) || { echo "$result"; fail "installing in an overlay of the system"; }
  echo "deb_test: dpkg -i in an overlay of the system: $result"
else
  echo "deb_test: no root, unshare or overlayfs: the real installation is skipped"
fi

# apt resolves the declared dependencies (a simulation: nothing is installed). Skipped when apt
# has no package lists (apt-get update never ran).
if command -v apt-get >/dev/null && compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt-get cannot install the package's dependencies"; }
  grep -q '^Inst tabrl ' "$work/apt.log" || { cat "$work/apt.log"; fail "apt-get would not install tabrl"; }
  # Every declared dependency is a package of the lists (a fresh system would download it).
  while read -r package; do
    [[ -n $(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p' | grep -v '(none)') ]] ||
      fail "the dependency $package has no candidate in apt's lists"
  done <<<"$names"
  echo "deb_test: apt-get install --simulate: ok"
else
  echo "deb_test: no apt package lists: the apt simulation is skipped"
fi
echo "deb_test: ok"
