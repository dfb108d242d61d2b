// The vector type of the hand-vectorised kernels (core/simd.hpp), for the instruction set the
// including translation unit is compiled for: two doubles (SSE2) or four (AVX). Internal
// linkage only: it is included by the portable and the AVX/FMA compilation of the same kernels,
// which the linker must never merge. Included only by the kernel bodies (core/*_body.hpp).
#pragma once

#include <cstddef>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace tabrl {
namespace {

using Size = std::ptrdiff_t;

#if defined(__AVX__)
constexpr Size kWidth = 4;
#else
constexpr Size kWidth = 2;
#endif
// A vector of kWidth doubles that may sit at any double's address and alias doubles.
typedef double Pack
    __attribute__((vector_size(kWidth * sizeof(double)), aligned(sizeof(double)), may_alias));

inline Pack load(const double* p) { return *reinterpret_cast<const Pack*>(p); }
inline void store(double* p, Pack value) { *reinterpret_cast<Pack*>(p) = value; }
inline Pack broadcast(double x) {
  Pack out;
  for (Size i = 0; i < kWidth; ++i) out[i] = x;
  return out;
}
// The double at p in every lane, straight from memory (one load with AVX).
inline Pack broadcast_from(const double* p) {
#if defined(__AVX__)
  return Pack(_mm256_broadcast_sd(p));
#else
  return broadcast(*p);
#endif
}
// a * b + c: one fused operation with FMA, a product and a sum without.
inline Pack multiply_add(Pack a, Pack b, Pack c) {
#if defined(__FMA__)
  return Pack(_mm256_fmadd_pd(__m256d(a), __m256d(b), __m256d(c)));
#else
  return a * b + c;
#endif
}
// a * b + c on one double, rounded as a lane of multiply_add rounds it.
inline double multiply_add(double a, double b, double c) {
#if defined(__FMA__)
  return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}
// The lanes of v added in lane order.
inline double lane_sum(Pack v) {
  double sum = 0.0;
  for (Size lane = 0; lane < kWidth; ++lane) sum += v[lane];
  return sum;
}

}  // namespace
}  // namespace tabrl
