// The two row operations on a dense row-major kernel (docs/engine.md, "Vector kernels"): the
// weighted row differences that build I - gamma P_pi, and the row dot products of Q = P V.
// Both come in the two builds of core/simd.hpp.
#pragma once

#include <tabrl/core/simd.hpp>
#include <tabrl/core/types.hpp>

namespace tabrl {

// row[j] = (((start[j] - w[0] rows[0][j]) - w[1] rows[1][j]) - ...) for j < length, `count`
// (1 to 4) terms in this order, each a product then a difference: the same roundings as the
// scalar loop, in both builds. start is row itself; or, when from_zero, 0 except 1 at entry
// `unit` (the diagonal of I - gamma P_pi; none when unit < 0).
void subtract_weighted_rows(int count, double* row, Index length, const double* weights,
                            const double* const* rows, bool from_zero, Index unit = -1,
                            SimdLevel level = simd_level());

// subtract_weighted_rows, and the sums of the new row taken in the same pass: sums[0] = sum_j
// row[j] and, when x is not null, sums[1] = sum_j row[j] x[j] (else 0). Each the same bits as
// row_dots below gives for the finished row with the ones vector and with x, at each level.
void subtract_weighted_rows_summed(int count, double* row, Index length, const double* weights,
                                   const double* const* rows, bool from_zero, Index unit,
                                   const double* x, double sums[2], SimdLevel level = simd_level());

// Rows [0, n) of M = I - gamma P_pi into the n x n row-major `system`, from the dense row-major
// (n actions) x n kernel and weights[s actions + a] = gamma pi[s, a]: row s starts from e_s and
// each action of non-zero weight subtracts its weight times its kernel row, in action order, up
// to four per pass (subtract_weighted_rows's roundings, so the same bits as a sparse kernel's
// rows). With row_sums (and then x_sums), also each finished row's sum and its dot product with
// x (0 when x is null), taken in the pass that writes the row: row_dots's bits for the row.
void build_dense_system(const double* kernel, Index n, Index actions, const double* weights,
                        double* system, const double* x = nullptr, double* row_sums = nullptr,
                        double* x_sums = nullptr, SimdLevel level = simd_level());

// y[i] = sum_j a[i, j] x[j] for the rows x cols row-major a: vector partial sums in a fixed
// order for each level (with FMA in the avx_fma build), so the result does not depend on which
// rows are computed together or by which thread.
void row_dots(const double* a, Index rows, Index cols, const double* x, double* y,
              SimdLevel level = simd_level());

// y[j] = sum_i x[i] a[i, j] (y = a^T x) for the rows x cols block of a row-major array whose
// rows are `stride` apart: each entry a multiply-add per row, rows in order (fused in the
// avx_fma build), so it does not depend on which columns are computed together or by which
// thread.
void row_combination(const double* a, Index rows, Index cols, Index stride, const double* x,
                     double* y, SimdLevel level = simd_level());

}  // namespace tabrl
