// The function-approximation claims of the reproduction report, on hand-made runs.csv rows.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/report/function_approximation.hpp>
#include <tabrl/sweep/sweep_config.hpp>

using namespace tabrl;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// An exact SPMA run on a 4 x 4 MDP (S A = 16) with J* = 2.
ReportRun exact(const std::string& features, const std::string& step, double floor,
                double drift = 0.0, const std::string& status = "max_iterations") {
  return {.mdp = "m",
          .algorithm = "spma",
          .step_size = step,
          .step_value = std::stod(step),
          .status = status,
          .iterations = 3000,
          .algorithm_spec = "spma(inner_step_size=0,inner_steps=0,schedule=constant)",
          .features = features,
          .states = 4,
          .actions = 4,
          .final_suboptimality = floor,
          .optimal_objective = 2.0,
          .floor = floor,
          .floor_rate = 0.9,
          .floor_rate_r2 = 0.99,
          .floor_projection_error = 1e-3,
          .floor_drift = drift,
          .inner_iterations_max = 7};
}

ReportRun inner(const std::string& algorithm, int m, double final_suboptimality,
                const std::string& features = "random(dim=4,scale=1,seed=1)") {
  return {.mdp = "m",
          .algorithm = algorithm,
          .step_size = "1",
          .step_value = 1.0,
          .status = "max_iterations",
          .iterations = 3000,
          .algorithm_spec = algorithm + "(inner_step_size=0.5,inner_steps=" + std::to_string(m) +
                            ",schedule=constant)",
          .features = features,
          .states = 4,
          .actions = 4,
          .final_suboptimality = final_suboptimality,
          .optimal_objective = 2.0};
}

std::string outcome_of(const ClaimResult& claim, std::size_t row) {
  return claim.rows.at(row).back();
}

}  // namespace

TEST_CASE("the function_approximation config parses and its features are nested") {
  const SweepConfig config = load_sweep_config(std::string(TABRL_SOURCE_DIR) +
                                               "/experiments/configs/function_approximation.toml");
  // 3 MDPs x (4 features x 4 steps + 4 features x 2 methods x 4 m x 2 alpha + 4 features x 2).
  CHECK(config.runs.size() == 3 * (16 + 64 + 8));
}

TEST_CASE("feature dimensions and inner-step counts are read from the specs") {
  CHECK(feature_dim(exact("one_hot", "1", 0.0)) == 16.0);
  CHECK(feature_dim(exact("random(dim=7,scale=1,seed=1)", "1", 0.0)) == 7.0);
  CHECK(std::isnan(feature_dim(exact("phi.csv", "1", 0.0))));
  CHECK(inner_steps_of(exact("one_hot", "1", 0.0)) == 0);
  CHECK(inner_steps_of(inner("mdpo", 50, 0.1)) == 50);
}

TEST_CASE("claim (a): the floor shrinks with k and vanishes at full rank") {
  const std::vector<ReportRun> runs = {
      exact("random(dim=2,scale=1,seed=1)", "1", 0.5),
      exact("random(dim=4,scale=1,seed=1)", "1", 0.2),
      exact("random(dim=8,scale=1,seed=1)", "1", 0.3),        // grew: disagrees
      exact("random(dim=12,scale=1,seed=1)", "1", 0.1, 0.4),  // still descending
      exact("one_hot", "1", 1e-9),                            // vanished (<= 1e-6 |J*|)
      exact("random(dim=4,scale=1,seed=1)", "3", 0.0, 0.0, "step_invalid"),
      exact("one_hot", "3", 1e-3),  // full rank, not vanished
  };
  const ClaimResult claim = fa_floor_claim(runs);
  REQUIRE(claim.rows.size() == 7);
  CHECK(outcome_of(claim, 0) == "agrees");
  CHECK(outcome_of(claim, 1).rfind("agrees", 0) == 0);
  CHECK(outcome_of(claim, 2).rfind("disagrees: the floor grew", 0) == 0);
  CHECK(outcome_of(claim, 3).rfind("inconclusive", 0) == 0);
  CHECK(outcome_of(claim, 4).rfind("agrees", 0) == 0);
  CHECK(outcome_of(claim, 5).rfind("n/a", 0) == 0);
  CHECK(outcome_of(claim, 6).rfind("disagrees: full rank", 0) == 0);
  CHECK(claim.agreeing == 3);
  CHECK(claim.disagreeing == 2);
  CHECK(claim.inconclusive == 1);
  CHECK(claim.verdict == Verdict::partly_supported);
}

TEST_CASE("claim (b): SPMA against MDPO at small m, and the gap as m grows") {
  const std::vector<ReportRun> runs = {
      inner("spma", 1, 0.3),  inner("mdpo", 1, 0.3),    // the same update: not counted
      inner("spma", 5, 0.2),  inner("mdpo", 5, 0.25),   // gap 0.2
      inner("spma", 10, 0.2), inner("mdpo", 10, 0.19),  // MDPO lower: disagrees
      inner("spma", 50, 0.1), inner("mdpo", 50, 0.105)  // gap 0.048: shrank
  };
  const ClaimResult small = fa_small_m_claim(runs);
  REQUIRE(small.rows.size() == 3);
  CHECK(outcome_of(small, 0).rfind("n/a", 0) == 0);
  CHECK(outcome_of(small, 1) == "agrees");
  CHECK(outcome_of(small, 2).rfind("disagrees", 0) == 0);
  CHECK(small.verdict == Verdict::partly_supported);
  const ClaimResult gap = fa_gap_claim(runs);
  REQUIRE(gap.rows.size() == 1);
  CHECK(outcome_of(gap, 0) == "agrees");
  // At m = 50 a gap of size 0.9 is larger than any at small m: it grew.
  std::vector<ReportRun> grown = runs;
  grown[7].final_suboptimality = 0.2;
  CHECK(outcome_of(fa_gap_claim(grown), 0).rfind("disagrees: the gap grew", 0) == 0);
  // Runs that differ at m = 1 are a bug, not a tie.
  std::vector<ReportRun> broken = runs;
  broken[1].final_suboptimality = 0.31;
  CHECK(outcome_of(fa_small_m_claim(broken), 0).rfind("disagrees", 0) == 0);
}

TEST_CASE("claim (c): Newton steps within the budget") {
  ReportRun capped = exact("one_hot", "1", 1e-9);
  capped.inner_iterations_max = kNewtonBudget;
  ReportRun none = exact("one_hot", "3", 0.0, 0.0, "step_invalid");
  none.inner_iterations_max = kNaN;
  const ClaimResult claim = fa_newton_claim({exact("one_hot", "1", 1e-9), capped, none});
  CHECK(outcome_of(claim, 0) == "agrees");
  CHECK(outcome_of(claim, 1).rfind("disagrees", 0) == 0);
  CHECK(outcome_of(claim, 2).rfind("n/a", 0) == 0);
}

TEST_CASE("claims 6 and 9: a projection that missed its stopping rule is not a floor") {
  ReportRun missed = exact("random(dim=4,scale=1,seed=1)", "1", 0.2);
  missed.inner_unmet = 3;
  const ClaimResult floor =
      fa_floor_claim({exact("random(dim=2,scale=1,seed=1)", "1", 0.5), missed});
  CHECK(outcome_of(floor, 1).rfind("inconclusive: 3 projections missed", 0) == 0);
  const ClaimResult newton = fa_newton_claim({missed});
  CHECK(outcome_of(newton, 0).rfind("disagrees: 3 projections missed", 0) == 0);
  CHECK(newton.verdict == Verdict::not_supported);
}

TEST_CASE("claim 10 climbs SPMA at a valid step and finds it concave") {
  // A 4-state Garnet with 2 random features; MDPO's eta = 50 makes some 1 + eta A negative,
  // so SPMA is climbed at 0.99 / max(-A) instead.
  ReportRun mdpo = inner("mdpo", 5, 0.1, "random(dim=2,scale=1,seed=1)");
  mdpo.mdp = "garnet(states=4,actions=3,branching=2,seed=3)";
  mdpo.states = 4;
  mdpo.actions = 3;
  mdpo.step_value = 50.0;
  const ClaimResult claim = fa_landscape_claim({mdpo});
  REQUIRE(claim.rows.size() == 1);
  const std::vector<std::string>& row = claim.rows[0];
  CHECK(row[6].rfind("1 (eta ", 0) == 0);  // SPMA: one landing policy
  CHECK(row[6] != "1 (eta 50)");           // at a step below MDPO's
  CHECK(row.back().rfind("disagrees", 0) != 0);
}
