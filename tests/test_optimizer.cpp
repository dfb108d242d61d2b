// The shared optimizer loop: statuses, callbacks, recording schedules, determinism, and the
// NPG bound of docs/theory.md, "Convergence guarantees" as a property test.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/pi.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/optimal.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;
using tabrl::testing::Trace;

TEST_CASE("NPG satisfies the Agarwal et al. bound on random MDPs with rewards in [0, 1]") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.9 : 0.7;
    const Mdp mdp = random_mdp(6, 3, gamma, seed);
    const OptimalSolution optimal = solve_optimal(mdp);
    for (double eta : {0.1, 1.0, 10.0}) {
      Npg npg({.step_size = eta});
      Trace trace;
      tabrl::testing::run_from_uniform(mdp, optimal, npg, 200, {&trace});
      int violations = 0;
      for (std::size_t t = 1; t < trace.suboptimalities.size(); ++t) {
        const double bound = npg_suboptimality_bound(3, eta, gamma, static_cast<int>(t));
        if (trace.suboptimalities[t] > bound) ++violations;
      }
      CAPTURE(seed);
      CAPTURE(eta);
      CHECK(violations == 0);
    }
  }
}

TEST_CASE("the same run twice gives bit-identical curves") {
  const Mdp mdp = make_garnet(40, 4, 3, 5, 0.95);
  const OptimalSolution optimal = solve_optimal(mdp);
  std::vector<CurvePoint> curves[2];
  for (auto& curve : curves) {
    Spma spma(mdp, {.step_size = 0.04});
    CurveRecorder recorder;
    tabrl::testing::run_from_uniform(mdp, optimal, spma, 300, {&recorder});
    curve = recorder.points();
  }
  REQUIRE(curves[0].size() == curves[1].size());
  for (std::size_t i = 0; i < curves[0].size(); ++i) {
    CHECK(std::memcmp(&curves[0][i].objective, &curves[1][i].objective, sizeof(double)) == 0);
    CHECK(std::memcmp(&curves[0][i].value_error_inf, &curves[1][i].value_error_inf,
                      sizeof(double)) == 0);
  }
}

TEST_CASE("the tolerance callback ends the run as converged at the first iterate below it") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 1.0});
  ToleranceStop stop(1e-3);
  Trace trace;
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, npg, 1000, {&trace, &stop});
  CHECK(result.status == RunStatus::converged);
  CHECK(trace.value_errors.back() <= 1e-3);
  CHECK(trace.value_errors[trace.value_errors.size() - 2] > 1e-3);
  CHECK(result.iterations + 1 == static_cast<int>(trace.value_errors.size()));
}

TEST_CASE("a time limit stops the run with status stopped") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 1e-3});
  TimeLimitStop stop(0.05);
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, npg, 100000000, {&stop});
  CHECK(result.status == RunStatus::stopped);
  CHECK(result.iterations < 100000000);
}

TEST_CASE("the progress callback sees every N-th iterate") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 1.0});
  std::vector<int> seen;
  ProgressCallback progress(
      25, [&](const IterationSummary& summary) { seen.push_back(summary.iteration); });
  tabrl::testing::run_from_uniform(mdp, optimal, npg, 100, {&progress});
  CHECK(seen == std::vector<int>{0, 25, 50, 75, 100});
}

TEST_CASE("a step that overflows the logits ends the run as non_finite") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 1e308});
  const OptimizerResult result = tabrl::testing::run_from_uniform(mdp, optimal, npg, 10, {});
  CHECK(result.status == RunStatus::non_finite);
  CHECK(result.message.find("non-finite logits") != std::string::npos);
}

TEST_CASE("zero iterations evaluate the initial policy only") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 1.0});
  CurveRecorder recorder;
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, npg, 0, {&recorder});
  CHECK(result.status == RunStatus::max_iterations);
  REQUIRE(recorder.points().size() == 1);
  CHECK(recorder.points()[0].iteration == 0);
}

TEST_CASE("recording schedules keep the chosen iterations and always the last one") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  SUBCASE("stride") {
    Npg npg({.step_size = 1.0});
    CurveRecorder recorder({.kind = RecordSchedule::Kind::stride, .stride = 10});
    tabrl::testing::run_from_uniform(mdp, optimal, npg, 95, {&recorder});
    REQUIRE(recorder.points().size() == 11);
    CHECK(recorder.points()[9].iteration == 90);
    CHECK(recorder.points().back().iteration == 95);
  }
  SUBCASE("log") {
    Npg npg({.step_size = 1.0});
    CurveRecorder recorder({.kind = RecordSchedule::Kind::log});
    tabrl::testing::run_from_uniform(mdp, optimal, npg, 10000, {&recorder});
    const auto& points = recorder.points();
    CHECK(points.size() > 60);
    CHECK(points.size() < 100);  // 11 + about 20 per decade for three decades
    CHECK(points.back().iteration == 10000);
    for (std::size_t i = 1; i < points.size(); ++i)
      CHECK(points[i].iteration > points[i - 1].iteration);
  }
}

TEST_CASE("a tolerance of 0 stops at the first iterate whose values are V* exactly") {
  // NPG with a large step turns greedy within a few iterations: its policy is then pi* exactly
  // (the other probabilities underflow to 0), evaluated by the same solver as V*.
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  Npg npg({.step_size = 100.0});
  ToleranceStop stop(0.0);
  Trace trace;
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, npg, 1000, {&trace, &stop});
  CHECK(result.status == RunStatus::converged);
  CHECK(trace.value_errors.back() == 0.0);
  CHECK(trace.value_errors[trace.value_errors.size() - 2] > 0.0);
}

TEST_CASE("options are validated before any work, naming the field") {
  CHECK_THROWS_WITH_AS(Npg({.step_size = 0.0}), "step_size: must be > 0 and finite, got 0",
                       InputError);
  CHECK_THROWS_WITH_AS(OptimizerOptions{.max_iterations = -5}.validate(),
                       "iterations: must be >= 0, got -5", InputError);
  CHECK_THROWS_WITH_AS(ToleranceStop(-1.0), "tolerance: must be finite and >= 0", InputError);
  CHECK_THROWS_AS(ToleranceStop(std::numeric_limits<double>::infinity()), InputError);
  CHECK_THROWS_AS((RecordSchedule{.kind = RecordSchedule::Kind::stride, .stride = 0}.validate()),
                  InputError);
  CHECK_THROWS_AS(CurveRecorder({.kind = RecordSchedule::Kind::stride, .stride = 0}), InputError);
}

TEST_CASE("a geometric step is eta gamma^(-t), also where gamma^(-t) alone overflows") {
  // The plain product keeps its bits wherever it is finite.
  CHECK(scheduled_step(0.5, true, 0.9, 10) == 0.5 * std::pow(0.9, -10.0));
  CHECK(scheduled_step(0.5, false, 0.9, 10) == 0.5);
  // 0.9^(-6737) overflows, 1e-300 0.9^(-6737) is about 1.9e8.
  CHECK(std::isinf(std::pow(0.9, -6737.0)));
  const double expected = 1e-300 * std::pow(0.9, -3000.0) * std::pow(0.9, -3737.0);
  CHECK(scheduled_step(1e-300, true, 0.9, 6737) == doctest::Approx(expected).epsilon(1e-12));
  // Where the step itself overflows it is still infinite.
  CHECK(std::isinf(scheduled_step(1.0, true, 0.9, 6737)));
}

namespace {

// n states on a cycle at gamma = 0.99999, rho uniform: action a moves s -> s + moves[a] (mod n),
// rewards U(0, 1), or `reward0` for action 0 where given.
Mdp two_moves(Index n, Index move0, Index move1, std::uint64_t seed,
              double reward0 = std::numeric_limits<double>::quiet_NaN()) {
  Random random(seed);
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(n, 2);
  for (Index s = 0; s < n; ++s) {
    entries.push_back({s, 0, (s + move0) % n, 1.0});
    entries.push_back({s, 1, (s + move1) % n, 1.0});
    rewards(s, 0) = random.uniform();
    rewards(s, 1) = random.uniform();
    if (!std::isnan(reward0)) rewards(s, 0) = reward0;
  }
  return Mdp({.num_states = n,
              .num_actions = 2,
              .gamma = 0.99999,
              .rho = Vector::Constant(n, 1.0 / static_cast<double>(n)),
              .rewards = rewards,
              .transitions = make_transitions(n, 2, entries)});
}

}  // namespace

TEST_CASE("a run starts with the direct solver the optimal solve's automatic choice changed to") {
  // A cycle of 6,000 states at gamma = 0.99999 with two actions, one step or two steps ahead:
  // BiCGSTAB stalls on it (from policy iteration's loose start on), and the optimal solve's
  // automatic choice changes to the sparse LU. The run's automatic evaluator starts with that
  // solver instead of failing again, and says so; J* and the curve come from one solver.
  const Index n = 6000;
  const Mdp mdp = two_moves(n, 1, 2, 3);
  const OptimalSolution optimal = solve_optimal(mdp);
  REQUIRE(optimal.solver == LinearSolverKind::sparse_lu);
  REQUIRE(!optimal.solver_note.empty());
  Npg npg({.step_size = 1.0});
  const OptimizerResult result = tabrl::testing::run_from_uniform(mdp, optimal, npg, 3, {});
  CHECK(result.status == RunStatus::max_iterations);
  CHECK(result.solver == LinearSolverKind::sparse_lu);
  CHECK(result.solver_note ==
        "started with the sparse solver, the one the optimal solve's automatic choice changed to");
  CHECK(result.suboptimality > 0.0);
  // Krylov asked for by name is not replaced: the run fails as the optimal solve's Krylov did.
  Npg named({.step_size = 1.0});
  CHECK_THROWS_AS(optimize(mdp, optimal, named, uniform_logits(n, 2),
                           {.max_iterations = 3, .solver = LinearSolverKind::krylov}, {}),
                  SolverFailure);
}

TEST_CASE("a run that falls back partway measures its iterates against V* from its new solver") {
  // 2,000 states at gamma = 0.99999: action 0 stays (reward 1), action 1 steps around a cycle
  // (reward U(0, 1)). pi* stays everywhere, P_pi* = I, and the optimal solve's Krylov solver
  // has no trouble; the uniform policy half follows the cycle, Krylov fails there and the run
  // changes to the sparse LU at iteration 0. Policy iteration reaches pi* at iteration 1, and
  // with V* computed again by the sparse LU a tolerance of 0 stops it there (with the Krylov V*
  // the two differ by about 3e-11 and it never would).
  const Index n = 2000;
  const Mdp mdp = two_moves(n, 0, 1, 7, 1.0);
  const OptimalSolution optimal = solve_optimal(mdp);
  REQUIRE(optimal.solver == LinearSolverKind::krylov);
  REQUIRE(optimal.policy == std::vector<Index>(n, 0));
  PolicyIteration pi;
  ToleranceStop stop(0.0);
  Trace trace;
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, pi, 5, {&trace, &stop});
  CHECK(result.status == RunStatus::converged);
  CHECK(result.iterations == 1);
  CHECK(result.suboptimality == 0.0);
  CHECK(result.solver == LinearSolverKind::sparse_lu);
  const std::string suffix = "changed to the sparse solver";
  CHECK(result.solver_note.find(suffix) != std::string::npos);
  CHECK(result.solver_note.ends_with("(at iteration 0)"));
}
