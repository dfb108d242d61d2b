#!/usr/bin/env bash
# Installs the Debian packages tabrl needs, only those that are missing (the Python module's
# among them: python3-dev, pybind11, SciPy, pandas, pytest; docs/python.md), and dpkg-dev, whose
# dpkg-shlibdeps `cpack -G DEB` uses for the package's dependencies.
# Usage: scripts/setup.sh [--with-slurm] [--with-fuzz] [--with-format] [--with-bench]
#   --with-slurm  also slurm-wlm and munge, for the single-node cluster test
#   --with-fuzz   also clang and its runtime libraries (libFuzzer, sanitizers), for scripts/fuzz.sh
#   --with-format also clang-format, for the format check of the test command
#   --with-bench  also OpenBLAS and threadpoolctl, for the NumPy comparison of scripts/bench.sh;
#                 the system's libblas/liblapack selection is kept as it was (installing
#                 OpenBLAS would switch it): scripts/bench.sh picks OpenBLAS per process.
#                 With no BLAS installed before (no selection to keep) OpenBLAS stays
#                 selected; scripts/bench.sh runs the plain setup first, which installs the
#                 reference BLAS with NumPy, so that its selection is the one kept
set -euo pipefail

packages=(g++ cmake ninja-build libeigen3-dev libboost-program-options-dev
          doctest-dev libtomlplusplus-dev nlohmann-json3-dev libbenchmark-dev python3
          python3-matplotlib python3-numpy
          python3-dev pybind11-dev python3-pybind11 python3-scipy python3-pandas python3-pytest
          dpkg-dev)
for argument in "$@"; do
  case $argument in
    --with-slurm) packages+=(slurm-wlm munge) ;;
    --with-fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --with-format) packages+=(clang-format) ;;
    --with-bench) packages+=(libopenblas0-pthread python3-threadpoolctl) ;;
    *) echo "setup.sh: unknown option $argument" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "tabrl setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# The selection is read as the alternatives system names it (its registered path, which
# `update-alternatives --set` accepts), not as the file it finally resolves to.
selected() {
  { update-alternatives --query "$1-x86_64-linux-gnu" 2>/dev/null || true; } | sed -n 's/^Value: //p'
}
previous_blas=$(selected libblas.so.3)
previous_lapack=$(selected liblapack.so.3)
# A BLAS installed here (OpenBLAS) does not become every process's BLAS: the previous selection
# of the alternatives is put back on the way out, also when apt-get fails after OpenBLAS was
# unpacked (its configuration switches the selection before the next package may fail).
# A selection that cannot be put back fails the setup (status 1 unless it failed already).
restore_selection() {
  local status=$? failed=0 pair name target
  for pair in "libblas.so.3:$previous_blas" "liblapack.so.3:$previous_lapack"; do
    name=${pair%%:*} target=${pair#*:}
    if [[ $target == /* && -e $target && $(selected "$name") != "$target" ]]; then
      if ! "${sudo_cmd[@]}" update-alternatives --set "$name-x86_64-linux-gnu" "$target" >/dev/null
      then
        echo "tabrl setup: could not select $target again for $name" >&2
        failed=1
      fi
    fi
  done
  if ((failed && status == 0)); then exit 1; fi
}
trap restore_selection EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
