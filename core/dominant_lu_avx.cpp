// The AVX/FMA build of the kernels of core/dominant_lu_body.hpp: this file alone is compiled with
// -mavx -mfma (core/CMakeLists.txt), and core/dominant_lu.cpp calls it only on processors that
// have both. It includes nothing else, so that no shared inline code is compiled with AVX.
#include "dominant_lu_body.hpp"

namespace tabrl::avx_fma_kernels {

void factor(double* a, std::ptrdiff_t n) { factor_body(a, n); }
void solve(const double* a, std::ptrdiff_t n, double* x, double* y) { solve_body(a, n, x, y); }
}  // namespace tabrl::avx_fma_kernels
