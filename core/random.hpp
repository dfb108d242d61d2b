// A small, portable random number generator: the same seed gives the same MDP, features and
// initial policy on every platform and standard library (std:: distributions are
// implementation-defined, so they are not used; std::mt19937_64 itself is fully specified).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace tabrl {

constexpr double kPi = 3.14159265358979323846;

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform on {0, ..., n - 1} without modulo bias; n >= 1.
  std::uint64_t index(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % n;
  }
  // Exponential(1), the building block of a flat Dirichlet.
  double exponential() { return -std::log1p(-uniform()); }
  // Standard normal N(0, 1) by the Box-Muller transform, one value per two uniforms u, v:
  // sqrt(-2 log(1 - u)) cos(2 pi v), with 1 - u in (0, 1] so the logarithm is finite.
  double normal() {
    const double u = 1.0 - uniform();
    const double v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * v);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tabrl
