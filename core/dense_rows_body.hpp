// The kernels of core/dense_rows.hpp, written once for the vector width that the including
// translation unit is compiled for (core/simd_pack.hpp): dense_rows.cpp compiles them portable,
// dense_rows_avx.cpp with AVX and FMA (and no implicit fusing: only multiply_add fuses).
// Internal linkage; included only by those two files.
#pragma once

#include <cassert>

#include "simd_pack.hpp"

namespace tabrl {
namespace {

// row[j] = (((start[j] - w[0] p[0][j]) - w[1] p[1][j]) - ...), N terms in this order, each
// a product then a difference (never fused). start is row itself; or, when kFromZero, 0, except
// 1 at entry `unit` (the diagonal of M; none when unit < 0). Lanes are entries j, so every entry
// sees exactly the operations of the scalar loop. With kSums 1 it also returns sums[0] =
// sum_j row[j], with kSums 2 as well sums[1] = sum_j row[j] x[j]: each in the order of
// row_block_dots below (two vector accumulators over 2 kWidth entries per step, fused with FMA,
// then their lanes, then the remaining entries one by one, unfused), so the same bits as
// row_dots of the finished row with the ones vector and with x.
template <int N, int kSums, bool kFromZero>
inline void subtract_weighted_rows_pass(double* row, Size length, const double* weights,
                                        const double* const* rows, Size unit, const double* x,
                                        double* sums) {
  // Local copies: a store to the row (a Pack, which may alias anything) would otherwise make the
  // compiler reload the row pointers and weights from memory at every step.
  Pack w[N];
  const double* source[N];
  double scalar_weight[N];
  for (int i = 0; i < N; ++i) {
    w[i] = broadcast(weights[i]);
    source[i] = rows[i];
    scalar_weight[i] = weights[i];
  }
  const auto entry_at = [&](Size j) {
    Pack entry;
    if constexpr (kFromZero) {
      entry = broadcast(0.0);
      if (unit >= j && unit < j + kWidth) entry[unit - j] = 1.0;
    } else {
      entry = load(row + j);
    }
    for (int i = 0; i < N; ++i) entry = entry - w[i] * load(source[i] + j);
    store(row + j, entry);
    return entry;
  };
  const Size paired_end = kSums > 0 ? length / (2 * kWidth) * (2 * kWidth) : 0;
  Pack plain_first = broadcast(0.0), plain_second = broadcast(0.0);
  Pack weighted_first = broadcast(0.0), weighted_second = broadcast(0.0);
  Size j = 0;
  for (; j < paired_end; j += 2 * kWidth) {
    const Pack first = entry_at(j), second = entry_at(j + kWidth);
    if constexpr (kSums >= 1) {
      plain_first = plain_first + first;
      plain_second = plain_second + second;
    }
    if constexpr (kSums >= 2) {
      weighted_first = multiply_add(first, load(x + j), weighted_first);
      weighted_second = multiply_add(second, load(x + j + kWidth), weighted_second);
    }
  }
  for (; j + kWidth <= length; j += kWidth) entry_at(j);
  for (; j < length; ++j) {
    double entry = kFromZero ? (j == unit ? 1.0 : 0.0) : row[j];
    for (int i = 0; i < N; ++i) entry = entry - scalar_weight[i] * source[i][j];
    row[j] = entry;
  }
  if constexpr (kSums >= 1) {
    double plain = lane_sum(plain_first + plain_second);
    for (Size k = paired_end; k < length; ++k) plain += row[k];
    sums[0] = plain;
  }
  if constexpr (kSums >= 2) {
    double weighted = lane_sum(weighted_first + weighted_second);
    for (Size k = paired_end; k < length; ++k) weighted += row[k] * x[k];
    sums[1] = weighted;
  }
}

template <int N, int kSums>
inline void subtract_weighted_rows_body(double* row, Size length, const double* weights,
                                        const double* const* rows, bool from_zero, Size unit,
                                        const double* x, double* sums) {
  if (from_zero) {
    subtract_weighted_rows_pass<N, kSums, true>(row, length, weights, rows, unit, x, sums);
  } else {
    subtract_weighted_rows_pass<N, kSums, false>(row, length, weights, rows, unit, x, sums);
  }
}

template <int kSums = 0>
inline void subtract_weighted_rows_counted(int count, double* row, Size length,
                                           const double* weights, const double* const* rows,
                                           bool from_zero, Size unit, const double* x = nullptr,
                                           double* sums = nullptr) {
  switch (count) {
    case 1:
      return subtract_weighted_rows_body<1, kSums>(row, length, weights, rows, from_zero, unit, x,
                                                   sums);
    case 2:
      return subtract_weighted_rows_body<2, kSums>(row, length, weights, rows, from_zero, unit, x,
                                                   sums);
    case 3:
      return subtract_weighted_rows_body<3, kSums>(row, length, weights, rows, from_zero, unit, x,
                                                   sums);
    default:
      return subtract_weighted_rows_body<4, kSums>(row, length, weights, rows, from_zero, unit, x,
                                                   sums);
  }
}

// subtract_weighted_rows_counted with the sums of the new row: its entries' (sums[0]) and, when x
// is given, its dot product with x (sums[1]; else 0).
inline void subtract_weighted_rows_summed_body(int count, double* row, Size length,
                                               const double* weights, const double* const* rows,
                                               bool from_zero, Size unit, const double* x,
                                               double* sums) {
  if (x == nullptr) {
    subtract_weighted_rows_counted<1>(count, row, length, weights, rows, from_zero, unit, x, sums);
    sums[1] = 0.0;
  } else {
    subtract_weighted_rows_counted<2>(count, row, length, weights, rows, from_zero, unit, x, sums);
  }
}

// Rows [0, n) of M = I - gamma P_pi from the dense kernel (core/dense_rows.hpp,
// build_dense_system): each row from e_s, minus its actions' weighted kernel rows in action order,
// four at a time, skipping weights of 0 (when every weight of a state is 0, one pass subtracts
// 0 times its first kernel row: the same e_s, since kernel entries are finite). With row_sums,
// the last pass of each row also sums it.
inline void build_dense_system_body(const double* kernel, Size n, Size actions,
                                    const double* weights, double* system, const double* x,
                                    double* row_sums, double* x_sums) {
  for (Size s = 0; s < n; ++s) {
    double* row = system + s * n;
    const double* state_weights = weights + s * actions;
    const double* state_kernel = kernel + s * actions * n;
    Size last = -1;  // the last action of non-zero weight
    for (Size a = 0; a < actions; ++a) {
      if (state_weights[a] != 0.0) last = a;
    }
    double pass_weights[4];
    const double* pass_rows[4];
    int count = 0;
    bool started = false;
    const auto flush = [&](bool final) {
      if (final && row_sums != nullptr) {
        assert(x_sums != nullptr);
        double sums[2];
        subtract_weighted_rows_summed_body(count, row, n, pass_weights, pass_rows, !started, s, x,
                                           sums);
        row_sums[s] = sums[0];
        x_sums[s] = sums[1];
      } else {
        subtract_weighted_rows_counted(count, row, n, pass_weights, pass_rows, !started, s);
      }
      started = true;
      count = 0;
    };
    if (last < 0) {
      pass_weights[0] = 0.0;
      pass_rows[0] = state_kernel;
      count = 1;
      flush(true);
      continue;
    }
    for (Size a = 0; a <= last; ++a) {
      if (state_weights[a] == 0.0) continue;
      pass_weights[count] = state_weights[a];
      pass_rows[count] = state_kernel + a * n;
      if (++count == 4 || a == last) flush(a == last);
    }
  }
}

// y[i] = sum_j a[i, j] x[j] for kRows consecutive rows of the row-major a, each with two vector
// accumulators over 2 kWidth columns per step (fused with FMA), then the lanes in order, then
// the remaining columns: each row the same operations in the same order, whatever kRows is.
template <int kRows>
inline void row_block_dots(const double* a, Size cols, const double* x, double* y) {
  const Size vector_end = cols / (2 * kWidth) * (2 * kWidth);
  Pack first[kRows], second[kRows];
  for (int r = 0; r < kRows; ++r) first[r] = second[r] = broadcast(0.0);
  for (Size j = 0; j < vector_end; j += 2 * kWidth) {
    const Pack x_first = load(x + j), x_second = load(x + j + kWidth);
    for (int r = 0; r < kRows; ++r) {
      first[r] = multiply_add(load(a + r * cols + j), x_first, first[r]);
      second[r] = multiply_add(load(a + r * cols + j + kWidth), x_second, second[r]);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    double sum = lane_sum(first[r] + second[r]);
    for (Size j = vector_end; j < cols; ++j) sum += a[r * cols + j] * x[j];
    y[r] = sum;
  }
}

// y[i] = sum_j a[i, j] x[j] for the rows x cols row-major a: four rows at a time (independent
// sums hide each addition's latency), then one by one; a fixed order for a given width, whichever
// rows come together.
inline void row_dots_body(const double* a, Size rows, Size cols, const double* x, double* y) {
  constexpr int kRows = 4;
  Size i = 0;
  for (; i + kRows <= rows; i += kRows) row_block_dots<kRows>(a + i * cols, cols, x, y + i);
  for (; i < rows; ++i) row_block_dots<1>(a + i * cols, cols, x, y + i);
}

// y[j] = sum_i x[i] a[i, j] for the `rows` x `cols` block of a row-major array with row stride
// `stride`: each entry one multiply-add per row, rows in order (fused with FMA, in the vector
// lanes and the remaining columns alike), so an entry is the same whichever columns come with
// it. Columns go in tiles of 8 vectors, whose sums stay in registers over all the rows.
template <int kPacks>
inline void column_tile_combination(const double* a, Size rows, Size stride, const double* x,
                                    double* y) {
  Pack sum[kPacks];
  for (int k = 0; k < kPacks; ++k) sum[k] = broadcast(0.0);
  for (Size i = 0; i < rows; ++i) {
    const Pack weight = broadcast_from(x + i);
    const double* row = a + i * stride;
    for (int k = 0; k < kPacks; ++k) sum[k] = multiply_add(weight, load(row + k * kWidth), sum[k]);
  }
  for (int k = 0; k < kPacks; ++k) store(y + k * kWidth, sum[k]);
}

inline void row_combination_body(const double* a, Size rows, Size cols, Size stride,
                                 const double* x, double* y) {
  constexpr int kPacks = 8;
  Size j = 0;
  for (; j + kPacks * kWidth <= cols; j += kPacks * kWidth)
    column_tile_combination<kPacks>(a + j, rows, stride, x, y + j);
  for (; j + kWidth <= cols; j += kWidth) column_tile_combination<1>(a + j, rows, stride, x, y + j);
  for (; j < cols; ++j) {
    double sum = 0.0;
    for (Size i = 0; i < rows; ++i) sum = multiply_add(x[i], a[i * stride + j], sum);
    y[j] = sum;
  }
}

}  // namespace
}  // namespace tabrl
