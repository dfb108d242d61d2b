#include "dense_rows.hpp"

#include "dense_rows_body.hpp"

#if defined(TABRL_AVX_FMA_KERNELS)
namespace tabrl::avx_fma_kernels {
void subtract_weighted_rows(int count, double* row, std::ptrdiff_t length, const double* weights,
                            const double* const* rows, bool from_zero, std::ptrdiff_t unit);
void subtract_weighted_rows_summed(int count, double* row, std::ptrdiff_t length,
                                   const double* weights, const double* const* rows, bool from_zero,
                                   std::ptrdiff_t unit, const double* x, double* sums);
void row_dots(const double* a, std::ptrdiff_t rows, std::ptrdiff_t cols, const double* x,
              double* y);
void row_combination(const double* a, std::ptrdiff_t rows, std::ptrdiff_t cols,
                     std::ptrdiff_t stride, const double* x, double* y);
void build_dense_system(const double* kernel, std::ptrdiff_t n, std::ptrdiff_t actions,
                        const double* weights, double* system, const double* x, double* row_sums,
                        double* x_sums);
}  // namespace tabrl::avx_fma_kernels
#endif

namespace tabrl {

void subtract_weighted_rows(int count, double* row, Index length, const double* weights,
                            const double* const* rows, bool from_zero, Index unit,
                            SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) {
    return avx_fma_kernels::subtract_weighted_rows(count, row, length, weights, rows, from_zero,
                                                   unit);
  }
#endif
  (void)level;
  subtract_weighted_rows_counted(count, row, length, weights, rows, from_zero, unit);
}

void subtract_weighted_rows_summed(int count, double* row, Index length, const double* weights,
                                   const double* const* rows, bool from_zero, Index unit,
                                   const double* x, double* sums, SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) {
    return avx_fma_kernels::subtract_weighted_rows_summed(count, row, length, weights, rows,
                                                          from_zero, unit, x, sums);
  }
#endif
  (void)level;
  subtract_weighted_rows_summed_body(count, row, length, weights, rows, from_zero, unit, x, sums);
}

void build_dense_system(const double* kernel, Index n, Index actions, const double* weights,
                        double* system, const double* x, double* row_sums, double* x_sums,
                        SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) {
    return avx_fma_kernels::build_dense_system(kernel, n, actions, weights, system, x, row_sums,
                                               x_sums);
  }
#endif
  (void)level;
  build_dense_system_body(kernel, n, actions, weights, system, x, row_sums, x_sums);
}

void row_dots(const double* a, Index rows, Index cols, const double* x, double* y,
              SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) return avx_fma_kernels::row_dots(a, rows, cols, x, y);
#endif
  (void)level;
  row_dots_body(a, rows, cols, x, y);
}

void row_combination(const double* a, Index rows, Index cols, Index stride, const double* x,
                     double* y, SimdLevel level) {
#if defined(TABRL_AVX_FMA_KERNELS)
  if (runs_avx_fma(level)) return avx_fma_kernels::row_combination(a, rows, cols, stride, x, y);
#endif
  (void)level;
  row_combination_body(a, rows, cols, stride, x, y);
}

}  // namespace tabrl
