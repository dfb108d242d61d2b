#!/usr/bin/env bash
# The AVX/FMA compilations (core/*_avx.cpp, docs/engine.md "Vector kernels") must define nothing
# the linker could merge with the portable build: every symbol they export is one of their own
# entry points in tabrl::avx_fma_kernels, and none is weak (an inline or template instantiation
# compiled with AVX could otherwise replace the portable copy and crash a processor without AVX).
# usage: avx_isolation_test.sh OBJECT... (the objects of tabrl_core; the *_avx ones are checked)
set -uo pipefail
checked=0
failed=0
for object in "$@"; do
  [[ $object == *_avx.cpp.o ]] || continue
  checked=$((checked + 1))
  while read -r _ kind name; do
    if [[ $kind == [TDBR] && $name == tabrl::avx_fma_kernels::* ]]; then continue; fi
    [[ $kind == U ]] && continue  # references to other objects (memcpy and the like)
    echo "FAIL: $(basename "$object") exports '$name' ($kind)" >&2
    failed=$((failed + 1))
  done < <(nm -C --defined-only --extern-only "$object")
done
if [[ $checked -eq 0 ]]; then
  echo "no *_avx.cpp.o among the objects: this build has no AVX kernels" >&2
  exit 77
fi
echo "avx_isolation: $checked objects, $failed stray symbols"
[[ $failed -eq 0 ]]
