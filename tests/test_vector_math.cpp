// core/vector_math against the scalar libm functions, on both levels: a few ulp apart, the
// special values kept, and an entry's value within those few ulp wherever it sits in the array
// (the tail of an array goes through the scalar function).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <tabrl/core/vector_math.hpp>

#include "helpers.hpp"

#if defined(TABRL_TEST_LIBMVEC)
#include <immintrin.h>

extern "C" __m256d _ZGVdN4v_exp(__m256d);

namespace {
// libmvec's own exp of four lanes, as exp_in_place called it before it took lanes out (the
// function as a template argument, which clang accepts with an AVX argument).
template <__m256d (*Exp)(__m256d)>
__attribute__((target("avx"))) void four_lanes(double* x) {
  _mm256_storeu_pd(x, Exp(_mm256_loadu_pd(x)));
}
void libmvec_exp(double* x) { four_lanes<_ZGVdN4v_exp>(x); }
}  // namespace
#endif

namespace tabrl {
namespace {

// |a - b| in units of b's last place (exact zeros and infinities must match exactly).
double ulps(double a, double b) {
  if (a == b) return 0.0;
  if (!std::isfinite(a) || !std::isfinite(b) || b == 0.0)
    return std::numeric_limits<double>::infinity();
  return std::abs(a - b) / (std::nextafter(std::abs(b), INFINITY) - std::abs(b));
}

template <class Batch, class Scalar>
void check_against_scalar(const std::vector<double>& inputs, Batch batch, Scalar scalar) {
  for (const SimdLevel level : testing::simd_levels()) {
    CAPTURE(to_string(level));
    std::vector<double> values = inputs;
    batch(values.data(), static_cast<Index>(values.size()), level);
    double worst = 0.0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const double expected = scalar(inputs[i]);
      if (std::isnan(expected)) {
        CHECK(std::isnan(values[i]));
        continue;
      }
      CAPTURE(inputs[i]);
      if (std::abs(expected) < 1e-300) {  // subnormal results: an absolute tolerance
        CHECK(std::abs(values[i] - expected) <= 1e-310);
        continue;
      }
      worst = std::max(worst, ulps(values[i], expected));
    }
    CHECK(worst <= 4.0);
    // An entry's value does not depend on where it sits: every one again, alone.
    for (std::size_t i = 0; i < inputs.size(); i += 37) {
      double alone = inputs[i];
      batch(&alone, 1, level);
      double shifted[5] = {0.0, 0.0, 0.0, inputs[i], 0.0};
      batch(shifted, 5, level);
      CHECK(((std::isnan(alone) && std::isnan(values[i])) || ulps(alone, values[i]) <= 4.0));
      CHECK(((std::isnan(shifted[3]) && std::isnan(values[i])) ||
             ulps(shifted[3], values[i]) <= 4.0));
    }
  }
}

TEST_CASE("vector exp: within 4 ulp of std::exp, with its special values") {
  std::vector<double> inputs;
  for (double x = -800.0; x <= 40.0; x += 0.0137) inputs.push_back(x);
  for (const double x : {0.0, -0.0, 1e-300, -1e-300, 709.0, 710.0, -745.0, -746.0})
    inputs.push_back(x);
  inputs.push_back(-std::numeric_limits<double>::infinity());
  inputs.push_back(std::numeric_limits<double>::infinity());
  inputs.push_back(std::numeric_limits<double>::quiet_NaN());
  check_against_scalar(
      inputs, [](double* x, Index n, SimdLevel level) { exp_in_place(x, n, level); },
      [](double x) { return std::exp(x); });
}

TEST_CASE("vector log1p: within 4 ulp of std::log1p, with its special values") {
  std::vector<double> inputs;
  for (double x = -0.999999; x <= 50.0; x += 0.00731) inputs.push_back(x);
  for (const double x : {0.0, -0.0, 1e-300, -1e-17, 1e-17, 1e300, -1.0}) inputs.push_back(x);
  inputs.push_back(std::numeric_limits<double>::infinity());
  inputs.push_back(std::numeric_limits<double>::quiet_NaN());
  check_against_scalar(
      inputs, [](double* x, Index n, SimdLevel level) { log1p_in_place(x, n, level); },
      [](double x) { return std::log1p(x); });
}

TEST_CASE("vector exp: lanes out of the vector range are libm's, the others unchanged by them") {
  // Underflowing, subnormal, overflowing and NaN entries next to ordinary ones, in every lane.
  const double outside[] = {-800.0, -746.0, -745.1, -740.0,
                            -708.5, 709.5,  800.0,  std::numeric_limits<double>::quiet_NaN()};
  const double ordinary[] = {-3.25, -0.5, 0.0, -17.0};
  for (const SimdLevel level : testing::simd_levels()) {
    CAPTURE(to_string(level));
    double plain[4] = {ordinary[0], ordinary[1], ordinary[2], ordinary[3]};
    exp_in_place(plain, 4, level);
    for (const double special : outside) {
      for (int lane = 0; lane < 4; ++lane) {
        CAPTURE(special);
        CAPTURE(lane);
        double mixed[4] = {ordinary[0], ordinary[1], ordinary[2], ordinary[3]};
        mixed[lane] = special;
        exp_in_place(mixed, 4, level);
        for (int k = 0; k < 4; ++k) {
          if (k == lane) {
            const double expected = std::exp(special);
            CHECK(((std::isnan(expected) && std::isnan(mixed[k])) || mixed[k] == expected));
          } else {
            CHECK(mixed[k] == plain[k]);
          }
        }
      }
    }
  }
}

TEST_CASE("vector exp: every lane libmvec computes itself keeps libmvec's bits") {
#if defined(TABRL_TEST_LIBMVEC)
  if (!avx_fma_available()) {
    MESSAGE("no AVX on this processor: libmvec's AVX exp is never called");
    return;
  }
  // Up to the edge of libmvec's vector range, |x| < 708.39599609375, on both sides of it, next
  // to an ordinary lane and next to a lane that libmvec hands to the scalar exp.
  for (double edge = 707.9; edge < 708.4; edge += 0.0123) {
    for (const double sign : {-1.0, 1.0}) {
      for (const double neighbour : {-1.0, -800.0}) {
        CAPTURE(sign * edge);
        CAPTURE(neighbour);
        double ours[4] = {sign * edge, neighbour, 0.5, -2.0};
        double theirs[4] = {sign * edge, neighbour, 0.5, -2.0};
        exp_in_place(ours, 4, SimdLevel::avx_fma);
        libmvec_exp(theirs);
        for (int lane = 0; lane < 4; ++lane) CHECK(ours[lane] == theirs[lane]);
      }
    }
  }
#else
  MESSAGE("built without libmvec: exp_in_place uses libm's scalar exp only");
#endif
}

}  // namespace
}  // namespace tabrl
