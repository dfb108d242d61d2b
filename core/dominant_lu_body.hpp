// The kernels of core/dominant_lu.hpp, written once for the vector width that the including
// translation unit is compiled for (docs/engine.md, "Dense LU"): dominant_lu.cpp compiles them
// for baseline x86-64 (SSE2, two doubles per vector), dominant_lu_avx.cpp with AVX and FMA (four
// doubles, fused multiply-adds: that file alone is compiled with -ffp-contract=fast). Everything
// here has internal linkage, so the two compilations are never merged by the linker; the body uses
// no library templates for the same reason. Included only by those two files.
#pragma once

#include "simd_pack.hpp"

namespace tabrl {
namespace {

// The vector loops below start at a multiple of kWidth from the column's first entry, with the
// entries before that done one by one: every access to an entry then goes through the same
// vector slot, so a load of what an earlier step stored is forwarded from that store instead of
// straddling two (which stalls). The first vector slot at or after begin, but not past end.
inline Size first_slot(Size begin, Size end) {
  const Size slot = (begin + kWidth - 1) / kWidth * kWidth;
  return slot < end ? slot : end;
}

// y[i] -= x[i] * factor for begin <= i < end (y and x columns indexed from their first entry).
inline void subtract_scaled(double* y, const double* x, double factor, Size begin, Size end) {
  const Pack f = broadcast(factor);
  Size i = begin;
  for (const Size head = first_slot(begin, end); i < head; ++i) y[i] -= x[i] * factor;
  for (; i + kWidth <= end; i += kWidth) store(y + i, load(y + i) - load(x + i) * f);
  for (; i < end; ++i) y[i] -= x[i] * factor;
}

// x[i] *= factor for begin <= i < end.
inline void scale(double* x, double factor, Size begin, Size end) {
  const Pack f = broadcast(factor);
  Size i = begin;
  for (const Size head = first_slot(begin, end); i < head; ++i) x[i] *= factor;
  for (; i + kWidth <= end; i += kWidth) store(x + i, load(x + i) * f);
  for (; i < end; ++i) x[i] *= factor;
}

// sum_i x[i] y[i], i < n: two vector accumulators over the vectors, added lane by lane in
// order, then the tail. A fixed order for a given width.
inline double dot(const double* x, const double* y, Size n) {
  Pack first = broadcast(0.0), second = broadcast(0.0);
  Size i = 0;
  for (; i + 2 * kWidth <= n; i += 2 * kWidth) {
    first += load(x + i) * load(y + i);
    second += load(x + i + kWidth) * load(y + i + kWidth);
  }
  if (i + kWidth <= n) {
    first += load(x + i) * load(y + i);
    i += kWidth;
  }
  double sum = lane_sum(first + second);
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

// The trailing update of a block step: c -= l u on a tile of kPacks vectors of rows and kCols
// columns, with l (rows x depth) and u (depth x kCols) read from the column-major matrix of
// leading dimension ld. Each entry subtracts its products in the order of p, as the unblocked
// elimination would.
template <int kPacks, int kCols>
inline void update_tile(double* c, const double* l, const double* u, Size depth, Size ld) {
  Pack acc[kCols][kPacks];
  for (int j = 0; j < kCols; ++j)
    for (int i = 0; i < kPacks; ++i) acc[j][i] = load(c + j * ld + i * kWidth);
  for (Size p = 0; p < depth; ++p) {
    Pack column[kPacks];
    for (int i = 0; i < kPacks; ++i) column[i] = load(l + p * ld + i * kWidth);
    for (int j = 0; j < kCols; ++j) {
      const Pack factor = broadcast_from(u + p + j * ld);
      for (int i = 0; i < kPacks; ++i) acc[j][i] -= column[i] * factor;
    }
  }
  for (int j = 0; j < kCols; ++j)
    for (int i = 0; i < kPacks; ++i) store(c + j * ld + i * kWidth, acc[j][i]);
}

// c (rows x cols) -= l (rows x depth) u (depth x cols), column-major, leading dimension ld.
inline void subtract_product(double* c, const double* l, const double* u, Size rows, Size cols,
                             Size depth, Size ld) {
  constexpr int kCols = 4;
  Size j = 0;
  for (; j + kCols <= cols; j += kCols) {
    double* c_block = c + j * ld;
    const double* u_block = u + j * ld;
    Size i = 0;
    for (; i + 3 * kWidth <= rows; i += 3 * kWidth)
      update_tile<3, kCols>(c_block + i, l + i, u_block, depth, ld);
    for (; i + 2 * kWidth <= rows; i += 2 * kWidth)
      update_tile<2, kCols>(c_block + i, l + i, u_block, depth, ld);
    for (; i + kWidth <= rows; i += kWidth)
      update_tile<1, kCols>(c_block + i, l + i, u_block, depth, ld);
    for (; i < rows; ++i) {
      for (Size jj = 0; jj < kCols; ++jj) {
        double entry = c_block[i + jj * ld];
        for (Size p = 0; p < depth; ++p) entry -= l[i + p * ld] * u_block[p + jj * ld];
        c_block[i + jj * ld] = entry;
      }
    }
  }
  for (; j < cols; ++j) {
    double* c_column = c + j * ld;
    const double* u_column = u + j * ld;
    Size i = 0;
    for (; i + 2 * kWidth <= rows; i += 2 * kWidth)
      update_tile<2, 1>(c_column + i, l + i, u_column, depth, ld);
    for (; i + kWidth <= rows; i += kWidth)
      update_tile<1, 1>(c_column + i, l + i, u_column, depth, ld);
    for (; i < rows; ++i) {
      double entry = c_column[i];
      for (Size p = 0; p < depth; ++p) entry -= l[i + p * ld] * u_column[p];
      c_column[i] = entry;
    }
  }
}

// Panels of at most this many columns are eliminated column by column; wider ones are split.
constexpr Size kBaseColumns = 4;

// Where a panel of `columns` columns is split: a multiple of kWidth near the middle, so that
// every block starts on a vector slot of its columns.
inline Size split_point(Size columns) {
  const Size half = columns / 2 / kWidth * kWidth;
  return half > 0 ? half : kWidth;
}

// b := L^{-1} b for the unit-lower rows x rows L at l and the rows x cols block b (leading
// dimension ld): recursively, the top half, its product subtracted from the bottom half, then
// the bottom half.
inline void solve_unit_lower(const double* l, double* b, Size rows, Size cols, Size ld) {
  if constexpr (kWidth == kBaseColumns) {
    if (rows == kWidth) {
      // One vector per column: each step subtracts L's column k, zero on rows <= k, times the
      // column's entry k (the same products and differences as the loop below).
      Pack lower[kWidth];
      for (Size k = 0; k < kWidth; ++k) {
        lower[k] = broadcast(0.0);
        for (Size q = k + 1; q < kWidth; ++q) lower[k][q] = l[q + k * ld];
      }
      for (Size j = 0; j < cols; ++j) {
        Pack column = load(b + j * ld);
        for (Size k = 0; k + 1 < kWidth; ++k) column -= lower[k] * broadcast(column[k]);
        store(b + j * ld, column);
      }
      return;
    }
  }
  if (rows <= kBaseColumns) {
    // Step k over every column before step k + 1: consecutive columns are independent work.
    for (Size k = 0; k + 1 < rows; ++k) {
      const double* pivot_column = l + k * ld;
      for (Size j = 0; j < cols; ++j) {
        double* column = b + j * ld;
        const double x = column[k];
        for (Size q = k + 1; q < rows; ++q) column[q] -= pivot_column[q] * x;
      }
    }
    return;
  }
  const Size top = split_point(rows);
  solve_unit_lower(l, b, top, cols, ld);
  subtract_product(b + top, l + top, b, rows - top, cols, top, ld);
  solve_unit_lower(l + top + top * ld, b + top, rows - top, cols, ld);
}

// In place: the rows x columns panel at a (rows >= columns, leading dimension ld) = L U, with L
// rows x columns unit-lower and U columns x columns upper; recursively by halves of columns
// (the left half, its rows of U right of it, the product update, the right half).
inline void factor_panel(double* a, Size rows, Size columns, Size ld) {
  if (columns <= kBaseColumns) {
    // The top `columns` rows (U and the pivots) column by column; then every row below in one
    // pass, kWidth rows at a time with the panel's columns in registers. Entry (i, j) sees the
    // same operations in the same order either way: minus l[i, k] u[k, j] for k < j in order,
    // then (below the diagonal) times 1 / u[j, j].
    double inverse[kBaseColumns];
    for (Size k = 0; k < columns; ++k) {
      double* pivot_column = a + k * ld;
      inverse[k] = 1.0 / pivot_column[k];
      scale(pivot_column, inverse[k], k + 1, columns);
      for (Size j = k + 1; j < columns; ++j) {
        double* column = a + j * ld;
        subtract_scaled(column, pivot_column, column[k], k + 1, columns);
      }
    }
    const auto one_row = [&](Size i) {
      for (Size j = 0; j < columns; ++j) {
        double entry = a[i + j * ld];
        for (Size k = 0; k < j; ++k) entry -= a[i + k * ld] * a[k + j * ld];
        a[i + j * ld] = entry * inverse[j];
      }
    };
    Size i = columns;
    for (const Size head = first_slot(i, rows); i < head; ++i) one_row(i);
    if (columns == kBaseColumns) {
      Pack upper[kBaseColumns][kBaseColumns], scale_by[kBaseColumns];
      for (Size j = 0; j < kBaseColumns; ++j) {
        scale_by[j] = broadcast(inverse[j]);
        for (Size k = 0; k < j; ++k) upper[k][j] = broadcast(a[k + j * ld]);
      }
      for (; i + kWidth <= rows; i += kWidth) {
        Pack entry[kBaseColumns];
        for (Size j = 0; j < kBaseColumns; ++j) {
          entry[j] = load(a + i + j * ld);
          for (Size k = 0; k < j; ++k) entry[j] -= entry[k] * upper[k][j];
          entry[j] *= scale_by[j];
        }
        for (Size j = 0; j < kBaseColumns; ++j) store(a + i + j * ld, entry[j]);
      }
    }
    for (; i < rows; ++i) one_row(i);
    return;
  }
  const Size left = split_point(columns);
  double* right = a + left * ld;
  factor_panel(a, rows, left, ld);
  solve_unit_lower(a, right, left, columns - left, ld);
  subtract_product(right + left, a + left, right, rows - left, columns - left, left, ld);
  factor_panel(right + left, rows - left, columns - left, ld);
}

// In place: a (n x n, column-major) = L U, unit-lower L below the diagonal, U on and above it.
// No pivoting: a must be diagonally dominant by columns (docs/engine.md, "Dense LU").
inline void factor_body(double* a, Size n) { factor_panel(a, n, n, n); }

// The triangular solves go kSolveBlock unknowns at a time: the block's own small triangle one
// unknown after the other, and the coupling with the rest as kSolveBlock columns (or dot
// products) at once, so that the chain of dependent steps is the block's, not the matrix's.
constexpr Size kSolveBlock = 4;

// y[i] -= sum_k x[k] c_k[i] for begin <= i < end, over the `count` (<= kSolveBlock) columns
// c_k = columns[k], subtracted in order of k: vectorised over i from a vector slot on.
inline void subtract_columns(double* y, const double* const* columns, const double* x, Size count,
                             Size begin, Size end) {
  Size i = begin;
  const auto one = [&](Size index) {
    double entry = y[index];
    for (Size k = 0; k < count; ++k) entry -= columns[k][index] * x[k];
    y[index] = entry;
  };
  for (const Size head = first_slot(begin, end); i < head; ++i) one(i);
  if (count == kSolveBlock) {
    Pack factor[kSolveBlock];
    for (Size k = 0; k < kSolveBlock; ++k) factor[k] = broadcast(x[k]);
    for (; i + kWidth <= end; i += kWidth) {
      Pack entry = load(y + i);
      for (Size k = 0; k < kSolveBlock; ++k) entry -= load(columns[k] + i) * factor[k];
      store(y + i, entry);
    }
  }
  for (; i < end; ++i) one(i);
}

// out[k] = sum_{begin <= i < end} c_k[i] x[i] for the `count` (<= kSolveBlock) columns c_k, each
// a fixed-order vector sum (as dot).
inline void column_dots(const double* const* columns, const double* x, Size count, Size begin,
                        Size end, double* out) {
  if (count < kSolveBlock) {
    for (Size k = 0; k < count; ++k) out[k] = dot(columns[k] + begin, x + begin, end - begin);
    return;
  }
  // All kSolveBlock columns in one loop, two accumulators each: eight independent chains of
  // fused products (one dot alone would wait on its two).
  Pack first[kSolveBlock], second[kSolveBlock];
  for (Size k = 0; k < kSolveBlock; ++k) first[k] = second[k] = broadcast(0.0);
  Size i = begin;
  for (; i + 2 * kWidth <= end; i += 2 * kWidth) {
    const Pack x_first = load(x + i), x_second = load(x + i + kWidth);
    for (Size k = 0; k < kSolveBlock; ++k) {
      first[k] += load(columns[k] + i) * x_first;
      second[k] += load(columns[k] + i + kWidth) * x_second;
    }
  }
  for (Size k = 0; k < kSolveBlock; ++k) {
    double sum = lane_sum(first[k] + second[k]);
    for (Size tail = i; tail < end; ++tail) sum += columns[k][tail] * x[tail];
    out[k] = sum;
  }
}

// The four sweeps of the two solves, one block of unknowns [start, end) at a time. All four read
// only the block's columns of the factors (at a + k n for k in the block): the forward sweeps of
// L and U^T the parts below and above the diagonal, the backward sweeps of U and L^T the parts
// above and below it.
struct SolveBlock {
  const double* columns[kSolveBlock];
  double reciprocal[kSolveBlock];  // 1 / U's diagonal, where a sweep divides
  Size start, end;

  SolveBlock(const double* a, Size n, Size first, Size last, bool divides)
      : start(first), end(last) {
    for (Size k = start; k < end; ++k) {
      columns[k - start] = a + k * n;
      // The block's divisions first, independent of each other: the chains below only multiply.
      if (divides) reciprocal[k - start] = 1.0 / a[k + k * n];
    }
  }
  // L y = x forward: the block's own unit-lower triangle, then its columns below it.
  void lower_forward(double* x, Size n) const {
    for (Size k = start; k < end; ++k) {
      for (Size q = k + 1; q < end; ++q) x[q] -= columns[k - start][q] * x[k];
    }
    subtract_columns(x, columns, x + start, end - start, end, n);
  }
  // U^T z = x forward: dot products with the block's columns above it, then its own triangle.
  void upper_transposed_forward(double* x) const {
    double sums[kSolveBlock];
    column_dots(columns, x, end - start, 0, start, sums);
    for (Size i = start; i < end; ++i) {
      double entry = x[i] - sums[i - start];
      for (Size k = start; k < i; ++k) entry -= columns[i - start][k] * x[k];
      x[i] = entry * reciprocal[i - start];
    }
  }
  // U x = y backward: the block's own upper triangle, then its columns above it.
  void upper_backward(double* x) const {
    for (Size k = end - 1; k >= start; --k) {
      x[k] *= reciprocal[k - start];
      for (Size q = start; q < k; ++q) x[q] -= columns[k - start][q] * x[k];
    }
    subtract_columns(x, columns, x + start, end - start, 0, start);
  }
  // L^T y = z backward: dot products with the block's columns below it, then its own triangle.
  void lower_transposed_backward(double* x, Size n) const {
    double sums[kSolveBlock];
    column_dots(columns, x, end - start, end, n, sums);
    for (Size i = end - 1; i >= start; --i) {
      double entry = x[i] - sums[i - start];
      for (Size k = i + 1; k < end; ++k) entry -= columns[i - start][k] * x[k];
      x[i] = entry;
    }
  }
};

// x := A^{-1} x (when x is given) and y := A^{-T} y (when y is given), with A = L U as left by
// factor_body. Forward blocks from the top, then backward blocks aligned on multiples of
// kSolveBlock from the top (the last one may be short). With both, one sweep over the matrix
// serves the two solves and their chains of dependent steps interleave; each solve does the same
// operations either way, so its result does not depend on whether the other one runs.
inline void solve_body(const double* a, Size n, double* x, double* y) {
  for (Size start = 0; start < n; start += kSolveBlock) {
    const SolveBlock block(a, n, start, start + kSolveBlock < n ? start + kSolveBlock : n,
                           y != nullptr);
    if (x != nullptr) block.lower_forward(x, n);
    if (y != nullptr) block.upper_transposed_forward(y);
  }
  for (Size end = n; end > 0;) {
    const SolveBlock block(a, n, (end - 1) / kSolveBlock * kSolveBlock, end, x != nullptr);
    if (x != nullptr) block.upper_backward(x);
    if (y != nullptr) block.lower_transposed_backward(y, n);
    end = block.start;
  }
}

}  // namespace
}  // namespace tabrl
