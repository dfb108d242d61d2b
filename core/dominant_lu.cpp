#include "dominant_lu.hpp"

#include <cassert>

#include "dominant_lu_body.hpp"

#if defined(TABRL_AVX_FMA_KERNELS)
namespace tabrl::avx_fma_kernels {
void factor(double* a, std::ptrdiff_t n);
void solve(const double* a, std::ptrdiff_t n, double* x, double* y);
}  // namespace tabrl::avx_fma_kernels
#endif

namespace tabrl {

void factor_dominant_lu(double* a, std::ptrdiff_t n, SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) return avx_fma_kernels::factor(a, n);
#endif
  (void)level;
  factor_body(a, n);
}

void solve_dominant_lu_pair(const double* a, std::ptrdiff_t n, double* x, double* y,
                            SimdLevel level) {
  assert(x == nullptr || x != y);  // one vector for both would mix the two solves
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) return avx_fma_kernels::solve(a, n, x, y);
#endif
  (void)level;
  solve_body(a, n, x, y);
}

void solve_dominant_lu(const double* a, std::ptrdiff_t n, double* x, SimdLevel level) {
  solve_dominant_lu_pair(a, n, x, nullptr, level);
}

void solve_dominant_lu_transposed(const double* a, std::ptrdiff_t n, double* x, SimdLevel level) {
  solve_dominant_lu_pair(a, n, nullptr, x, level);
}

}  // namespace tabrl
