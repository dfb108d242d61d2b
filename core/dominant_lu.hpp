// LU without pivoting of a matrix diagonally dominant by columns, and its two solves: the
// factorisation behind the dense solver (docs/engine.md, "Dense LU"). M = I - gamma P_pi is
// strictly diagonally dominant by rows (its off-diagonal row sum gamma (1 - P_pi[s, s]) is below
// its diagonal 1 - gamma P_pi[s, s] whenever gamma < 1), so M^T is dominant by columns: on such a
// matrix partial pivoting never exchanges rows and every multiplier is at most 1 in magnitude, so
// elimination without the pivot search is the same stable computation.
//
// Matrices are square, column-major, with leading dimension n. The kernels come in two builds of
// the same code (core/simd.hpp); the two agree to rounding, not bit for bit.
#pragma once

#include <cstddef>

#include <tabrl/core/simd.hpp>

namespace tabrl {

// In place: a = L U (unit-lower L below the diagonal, U on and above it). a must be diagonally
// dominant by columns; a zero pivot (impossible then) gives infinities, not a crash.
void factor_dominant_lu(double* a, std::ptrdiff_t n, SimdLevel level = simd_level());
// x := A^{-1} x, with a holding A's factors.
void solve_dominant_lu(const double* a, std::ptrdiff_t n, double* x,
                       SimdLevel level = simd_level());
// x := A^{-T} x, with a holding A's factors.
void solve_dominant_lu_transposed(const double* a, std::ptrdiff_t n, double* x,
                                  SimdLevel level = simd_level());
// Both at once, x := A^{-1} x and y := A^{-T} y (x and y distinct; either may be null): one sweep
// over the factors serves the two, and each result is bit for bit that of its own solve.
void solve_dominant_lu_pair(const double* a, std::ptrdiff_t n, double* x, double* y,
                            SimdLevel level = simd_level());

}  // namespace tabrl
