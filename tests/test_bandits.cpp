// Bandit guarantees of docs/theory.md, "Convergence guarantees".
#include <doctest/doctest.h>

#include <cmath>

#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::Trace;

namespace {

// K arms with means in [0, 1], the best one at a random position.
std::vector<double> random_means(int arms, std::uint64_t seed) {
  Random random(seed);
  std::vector<double> means(static_cast<std::size_t>(arms));
  for (double& mean : means) mean = random.uniform();
  return means;
}

}  // namespace

TEST_CASE("SPMA constant step on bandits: delta_T <= (1 - 1/K)(1 - eta Delta_min / K)^T") {
  for (int arms : {2, 5, 10}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const Mdp mdp = make_bandit(random_means(arms, seed * 13 + static_cast<std::uint64_t>(arms)));
      const OptimalSolution optimal = solve_optimal(mdp);
      const double gap = bandit_min_gap(mdp);
      for (double eta : {0.3, 1.0}) {
        Spma spma(mdp, {.step_size = eta});
        Trace trace;
        tabrl::testing::run_from_uniform(mdp, optimal, spma, 500, {&trace});
        const double pi0 = 1.0 / arms;
        int violations = 0;
        for (std::size_t t = 0; t < trace.optimal_action_probs.size(); ++t) {
          const double delta = 1.0 - trace.optimal_action_probs[t];
          const double bound =
              spma_bandit_constant_step_bound(1.0 - pi0, eta, pi0, gap, static_cast<int>(t));
          if (delta > bound + 1e-15) ++violations;
        }
        CAPTURE(arms);
        CAPTURE(seed);
        CAPTURE(eta);
        CHECK(violations == 0);
      }
    }
  }
}

TEST_CASE("SPMA gap-dependent step on bandits: delta_{t+1} = delta_t^2 exactly") {
  for (int arms : {2, 5, 10}) {
    const Mdp mdp = make_bandit(random_means(arms, 1000 + static_cast<std::uint64_t>(arms)));
    const OptimalSolution optimal = solve_optimal(mdp);
    Spma spma(mdp, {.gap_dependent = true});
    Trace trace;
    tabrl::testing::run_from_uniform(mdp, optimal, spma, 10, {&trace});
    for (std::size_t t = 0; t < trace.optimal_action_probs.size(); ++t) {
      const double delta = 1.0 - trace.optimal_action_probs[t];
      const double expected = std::pow(1.0 - 1.0 / arms, std::pow(2.0, static_cast<double>(t)));
      CAPTURE(arms);
      CAPTURE(t);
      // 1 - pi(a*) loses relative accuracy once it falls near machine epsilon.
      if (expected > 1e-9) CHECK(delta == doctest::Approx(expected).epsilon(1e-6));
    }
    CHECK(1.0 - trace.optimal_action_probs.back() < 1e-9);
  }
}

TEST_CASE("SPG on bandits with eta = 2/5: (pi* - pi_t)^T r <= 5 / (c^2 t)") {
  for (int arms : {2, 5, 10}) {
    const Mdp mdp = make_bandit(random_means(arms, 77 + static_cast<std::uint64_t>(arms)));
    const OptimalSolution optimal = solve_optimal(mdp);
    REQUIRE(mdp.reward_range() <= 1.0);
    Spg spg({.step_size = 0.4});
    Trace trace;
    tabrl::testing::run_from_uniform(mdp, optimal, spg, 2000, {&trace});
    double c = 1.0;
    for (double p : trace.optimal_action_probs) c = std::min(c, p);
    int violations = 0;
    for (std::size_t t = 1; t < trace.suboptimalities.size(); ++t) {
      if (trace.suboptimalities[t] > 5.0 / (c * c * static_cast<double>(t))) ++violations;
    }
    CHECK(violations == 0);
  }
}
