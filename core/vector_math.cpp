#include "vector_math.hpp"

#include <cmath>

#if defined(TABRL_LIBMVEC)
#include <immintrin.h>

// libmvec's four-double entry points, named by the x86-64 vector function ABI. The AVX2 ones (d)
// are chosen at load time: glibc 2.36 resolves them to native AVX2 + FMA code where the processor
// has both, otherwise to its AVX (c) wrapper, which calls the two-double SSE code twice. The AVX2
// code takes about half the time (docs/engine.md, "Vector kernels").
extern "C" {
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
}
#endif

namespace tabrl {
namespace {

// exp(x) rounds to +0 below this (e^x < 2^-1075, half the least subnormal): such entries are set
// to 0 without calling libm, whose underflow path (errno, exception flags) costs about 30 times a
// normal call. The softmax of a nearly deterministic policy meets them on every iteration.
constexpr double kExpUnderflow = -745.2;
// For |x| < kExpFast libmvec's exp (glibc 2.36) takes its vector path: it tests the high word of
// |x| against 0x4086232a. A lane outside it (a subnormal, zero or infinite result, or NaN) makes
// libmvec call the scalar exp for that lane.
constexpr double kExpFast = 708.39599609375;  // 0x4086232b00000000

double scalar_exp(double x) { return x < kExpUnderflow ? 0.0 : std::exp(x); }
double scalar_log1p(double x) { return std::log1p(x); }

#if defined(TABRL_LIBMVEC)
// Whole vectors through libmvec, the tail through the scalar function. Compiled for AVX, called
// only where the processor has it.
template <__m256d (*Vector)(__m256d), double (*Scalar)(double)>
__attribute__((target("avx"))) void apply_avx(double* x, Index n) {
  Index i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, Vector(_mm256_loadu_pd(x + i)));
  for (; i < n; ++i) x[i] = Scalar(x[i]);
}

// exp of whole vectors through libmvec. A vector with lanes outside its vector range goes through
// libmvec with those lanes set to 0 (every lane is computed on its own, so the others get the
// same bits as before), and those lanes are then taken from the scalar function, as libmvec's
// own fallback would take them, minus the cost of the underflow path. (libmvec's function comes
// in as a template argument, as in apply_avx: clang refuses a direct call with an AVX argument to
// a function not declared for AVX.)
template <__m256d (*Exp)(__m256d)>
__attribute__((target("avx"))) void exp_avx(double* x, Index n) {
  const __m256d fast = _mm256_set1_pd(kExpFast);
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d in = _mm256_loadu_pd(x + i);
    // Lanes with |x| < kExpFast (false for NaN).
    const __m256d inside =
        _mm256_cmp_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), in), fast, _CMP_LT_OQ);
    if (_mm256_movemask_pd(inside) == 0xF) {
      _mm256_storeu_pd(x + i, Exp(in));
      continue;
    }
    const double outside[4] = {x[i], x[i + 1], x[i + 2], x[i + 3]};
    _mm256_storeu_pd(x + i, Exp(_mm256_and_pd(in, inside)));
    const int lanes = _mm256_movemask_pd(inside);
    for (int lane = 0; lane < 4; ++lane) {
      if ((lanes & (1 << lane)) == 0) x[i + lane] = scalar_exp(outside[lane]);
    }
  }
  for (; i < n; ++i) x[i] = scalar_exp(x[i]);
}
#endif

}  // namespace

void exp_in_place(double* x, Index n, SimdLevel level) {
#if defined(TABRL_LIBMVEC)
  if (runs_avx_fma(level)) return exp_avx<_ZGVdN4v_exp>(x, n);
#endif
  (void)level;
  for (Index i = 0; i < n; ++i) x[i] = scalar_exp(x[i]);
}

void log1p_in_place(double* x, Index n, SimdLevel level) {
#if defined(TABRL_LIBMVEC)
  if (runs_avx_fma(level)) return apply_avx<_ZGVdN4v_log1p, scalar_log1p>(x, n);
#endif
  (void)level;
  for (Index i = 0; i < n; ++i) x[i] = scalar_log1p(x[i]);
}

}  // namespace tabrl
