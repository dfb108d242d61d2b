// The documented portable sampler (core/random.hpp): the same seed gives the same numbers on
// every platform, because only std::mt19937_64 (fully specified) and these formulas are used.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>

using namespace tabrl;

TEST_CASE("Random::normal is Box-Muller on 53-bit uniforms of mt19937_64, as documented") {
  Random random(42);
  std::mt19937_64 engine(42);
  const auto uniform = [&] { return static_cast<double>(engine() >> 11) * 0x1.0p-53; };
  for (int i = 0; i < 1000; ++i) {
    const double u = 1.0 - uniform();
    const double v = uniform();
    const double expected = std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * v);
    REQUIRE(random.normal() == expected);
  }
  // mt19937_64's 10000th output is fixed by the C++ standard: the engine itself is portable.
  std::mt19937_64 standard;
  standard.discard(9999);
  CHECK(standard() == 9981545732273789042ULL);
}

TEST_CASE("normal draws have mean 0 and variance 1, and random logits scale them") {
  Random random(7);
  double sum = 0.0, squares = 0.0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    const double x = random.normal();
    sum += x;
    squares += x * x;
  }
  CHECK(std::abs(sum / kDraws) < 0.01);
  CHECK(std::abs(squares / kDraws - 1.0) < 0.02);
  const StateActionMatrix logits = random_logits(3, 4, 5, 2.0);
  Random again(5);
  for (Index s = 0; s < 3; ++s) {
    for (Index a = 0; a < 4; ++a) CHECK(logits(s, a) == 2.0 * again.normal());
  }
}
