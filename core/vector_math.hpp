// exp and log1p over arrays (docs/engine.md, "Vector kernels"): at the avx_fma level glibc's
// vector math library (libmvec's AVX variants, four doubles per call, at most 4 ulp from the
// correctly rounded result, where libm's scalar functions are within 1); at the portable level,
// or without libmvec, libm's scalar functions. The softmax and SPMA's update call them: at S = 100
// the 800 transcendental calls per iteration were a tenth of its time.
#pragma once

#include <tabrl/core/simd.hpp>
#include <tabrl/core/types.hpp>

namespace tabrl {

// x[i] = exp(x[i]) for i < n.
void exp_in_place(double* x, Index n, SimdLevel level = simd_level());
// x[i] = log1p(x[i]) for i < n.
void log1p_in_place(double* x, Index n, SimdLevel level = simd_level());

}  // namespace tabrl
