// The AVX/FMA build of core/dense_rows_body.hpp (compiled with -mavx -mfma, no implicit fusing;
// core/CMakeLists.txt); core/dense_rows.cpp calls it only where the processor has both.
#include "dense_rows_body.hpp"

namespace tabrl::avx_fma_kernels {

void subtract_weighted_rows(int count, double* row, std::ptrdiff_t length, const double* weights,
                            const double* const* rows, bool from_zero, std::ptrdiff_t unit) {
  subtract_weighted_rows_counted(count, row, length, weights, rows, from_zero, unit);
}
void subtract_weighted_rows_summed(int count, double* row, std::ptrdiff_t length,
                                   const double* weights, const double* const* rows, bool from_zero,
                                   std::ptrdiff_t unit, const double* x, double* sums) {
  subtract_weighted_rows_summed_body(count, row, length, weights, rows, from_zero, unit, x, sums);
}
void row_combination(const double* a, std::ptrdiff_t rows, std::ptrdiff_t cols,
                     std::ptrdiff_t stride, const double* x, double* y) {
  row_combination_body(a, rows, cols, stride, x, y);
}
void row_dots(const double* a, std::ptrdiff_t rows, std::ptrdiff_t cols, const double* x,
              double* y) {
  row_dots_body(a, rows, cols, x, y);
}

void build_dense_system(const double* kernel, std::ptrdiff_t n, std::ptrdiff_t actions,
                        const double* weights, double* system, const double* x, double* row_sums,
                        double* x_sums) {
  build_dense_system_body(kernel, n, actions, weights, system, x, row_sums, x_sums);
}

}  // namespace tabrl::avx_fma_kernels
