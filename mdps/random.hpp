// A small, portable random number generator: the same seed gives the same MDP on every platform
// and standard library (std:: distributions are implementation-defined, so they are not used).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace tabrl {

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

 private:
  std::mt19937_64 engine_;
};

}  // namespace tabrl
