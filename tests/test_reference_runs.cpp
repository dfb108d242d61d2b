// The iteration counts of docs/theory.md, "Reference values" on the 5x5 MDP.
#include <doctest/doctest.h>

#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "run_helpers.hpp"

using namespace tabrl;

namespace {

// First iteration with value_error_inf <= 1e-6, or -1.
int first_below(const Mdp& mdp, UpdateRule& rule, int budget) {
  const OptimalSolution optimal = solve_optimal(mdp);
  ToleranceStop stop(1e-6);
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, rule, budget, {&stop});
  return result.status == RunStatus::converged ? result.iterations : -1;
}

}  // namespace

TEST_CASE("SPMA with eta 0.099 first reaches value_error_inf <= 1e-6 at iteration 1278") {
  const Mdp mdp = make_five_by_five();
  Spma spma(mdp, {.step_size = 0.099});
  CHECK(first_below(mdp, spma, 3000) == 1278);
}

TEST_CASE("NPG with eta 1 first reaches value_error_inf <= 1e-6 at iteration 127") {
  const Mdp mdp = make_five_by_five();
  Npg npg({.step_size = 1.0});
  CHECK(first_below(mdp, npg, 3000) == 127);
}

TEST_CASE("SPG with the theory step is still above 1e-6 at iteration 3000") {
  const Mdp mdp = make_five_by_five();
  CHECK(spg_theory_step(mdp) == doctest::Approx(0.001 / 8.0 / 0.9));  // R = 1 - 0.1
  Spg spg(
      {.step_size = 0.001 / 8.0});  // (1 - gamma)^3 / 8, as in docs/theory.md, "Reference values"
  const OptimalSolution optimal = solve_optimal(mdp);
  const OptimizerResult result = tabrl::testing::run_from_uniform(mdp, optimal, spg, 3000, {});
  CHECK(result.status == RunStatus::max_iterations);
  CHECK(result.iterations == 3000);
  CHECK(result.value_error_inf > 1e-6);
}

TEST_CASE("SPMA and NPG reach the optimum of DeepSeaTreasure, and NPG that of CliffWorld") {
  for (const Mdp& mdp : {make_cliff_world(), make_deep_sea_treasure()}) {
    const OptimalSolution optimal = solve_optimal(mdp);
    Spma spma(mdp, {.step_size = 0.99 * spma_safe_step(mdp)});
    Npg npg({.step_size = 1.0});
    // On CliffWorld the safe SPMA step is (1 - gamma)/101: see the contraction test instead.
    std::vector<UpdateRule*> rules{&npg};
    if (mdp.num_states() == 25) rules.push_back(&spma);
    for (UpdateRule* rule : rules) {
      ToleranceStop stop(1e-8);
      const OptimizerResult result =
          tabrl::testing::run_from_uniform(mdp, optimal, *rule, 200000, {&stop});
      CAPTURE(rule->name());
      CHECK(result.status == RunStatus::converged);
    }
  }
}
