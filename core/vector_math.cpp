#include "vector_math.hpp"

#include <cmath>

#if defined(TABRL_LIBMVEC)
#include <immintrin.h>

// libmvec's AVX entry points, named by the x86-64 vector function ABI (c = AVX, four doubles).
extern "C" {
__m256d _ZGVcN4v_exp(__m256d);
__m256d _ZGVcN4v_log1p(__m256d);
}
#endif

namespace tabrl {
namespace {

#if defined(TABRL_LIBMVEC)
// Whole vectors through libmvec, the tail through the scalar function. Compiled for AVX, called
// only where the processor has it.
template <__m256d (*Vector)(__m256d), double (*Scalar)(double)>
__attribute__((target("avx"))) void apply_avx(double* x, Index n) {
  Index i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, Vector(_mm256_loadu_pd(x + i)));
  for (; i < n; ++i) x[i] = Scalar(x[i]);
}
#endif

double scalar_exp(double x) { return std::exp(x); }
double scalar_log1p(double x) { return std::log1p(x); }

}  // namespace

void exp_in_place(double* x, Index n, SimdLevel level) {
#if defined(TABRL_LIBMVEC)
  if (runs_avx_fma(level)) return apply_avx<_ZGVcN4v_exp, scalar_exp>(x, n);
#endif
  (void)level;
  for (Index i = 0; i < n; ++i) x[i] = scalar_exp(x[i]);
}

void log1p_in_place(double* x, Index n, SimdLevel level) {
#if defined(TABRL_LIBMVEC)
  if (runs_avx_fma(level)) return apply_avx<_ZGVcN4v_log1p, scalar_log1p>(x, n);
#endif
  (void)level;
  for (Index i = 0; i < n; ++i) x[i] = scalar_log1p(x[i]);
}

}  // namespace tabrl
