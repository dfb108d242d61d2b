// SPMA: closed form, invariants, the per-step contraction bound of docs/theory.md, "Convergence
// guarantees" as a property test on random MDPs, the step_invalid status and the clip mode.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/parallel.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;
using tabrl::testing::Trace;

TEST_CASE("one SPMA step is pi (1 + eta A), already normalised") {
  const Mdp mdp = random_mdp(6, 4, 0.9, 3);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;  // V* is not needed by these rules
  Evaluation evaluation;
  const StateActionMatrix logits = random_logits(6, 4, 8);
  evaluator.evaluate_logits(logits, evaluation);
  const double eta = 0.05;
  Spma spma(mdp, {.step_size = eta});
  StateActionMatrix next(6, 4);
  std::vector<double> diagnostics(1);
  const StepReport report =
      spma.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                evaluation, logits, next, diagnostics);
  CHECK(report.outcome == StepOutcome::ok);
  StateActionMatrix next_policy;
  softmax_rows(next, next_policy);
  const StateActionMatrix closed_form =
      evaluation.policy.cwiseProduct((1.0 + eta * evaluation.advantage.array()).matrix());
  CHECK((closed_form.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-14);
  CHECK((next_policy - closed_form).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("SPMA and NPG agree to first order in eta") {
  const Mdp mdp = random_mdp(5, 3, 0.8, 17);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;  // V* is not needed by these rules
  Evaluation evaluation;
  const StateActionMatrix logits = random_logits(5, 3, 2);
  evaluator.evaluate_logits(logits, evaluation);
  std::vector<double> diagnostics(1);
  double previous = 0.0;
  for (double eta : {1e-2, 1e-3}) {
    Spma spma(mdp, {.step_size = eta});
    Npg npg({.step_size = eta});
    StateActionMatrix by_spma(5, 3), by_npg(5, 3);
    spma.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator}, evaluation,
              logits, by_spma, diagnostics);
    npg.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator}, evaluation,
             logits, by_npg, {});
    const double difference = (by_spma - by_npg).cwiseAbs().maxCoeff();
    // log1p(x) - x = -x^2 / 2 + ...: ten times smaller eta, about a hundred times smaller gap.
    if (previous > 0.0) CHECK(previous / difference == doctest::Approx(100.0).epsilon(0.05));
    previous = difference;
  }
}

TEST_CASE("SPMA improves V monotonically in every state") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Mdp mdp = random_mdp(8, 4, 0.9, seed, -1.0, 1.0);
    const OptimalSolution optimal = solve_optimal(mdp);
    Spma spma(mdp, {.step_size = 0.9 * spma_safe_step(mdp)});
    Trace trace;
    tabrl::testing::run_from_uniform(mdp, optimal, spma, 300, {&trace});
    for (std::size_t t = 0; t + 1 < trace.values.size(); ++t) {
      CAPTURE(seed);
      CAPTURE(t);
      CHECK((trace.values[t + 1] - trace.values[t]).minCoeff() >= -1e-12);
    }
  }
}

namespace {

// e_{t+1} <= (1 - eta C_t (1 - gamma)) e_t at every recorded step, up to 1e-12 max(1,
// |V*|).
void check_contraction(const Mdp& mdp, double eta, int iterations) {
  const OptimalSolution optimal = solve_optimal(mdp);
  Spma spma(mdp, {.step_size = eta});
  Trace trace;
  const OptimizerResult result =
      tabrl::testing::run_from_uniform(mdp, optimal, spma, iterations, {&trace});
  REQUIRE(result.status == RunStatus::max_iterations);
  const double slack = 1e-12 * std::max(1.0, optimal.v.cwiseAbs().maxCoeff());
  int violations = 0;
  for (std::size_t t = 0; t + 1 < trace.value_errors.size(); ++t) {
    const double c = trace.diagnostics[t][0];
    const double factor = std::isnan(c) ? 1.0 : 1.0 - eta * c * (1.0 - mdp.gamma());
    if (trace.value_errors[t + 1] > factor * trace.value_errors[t] + slack) ++violations;
  }
  CHECK(violations == 0);
  // The bound is not vacuous: the error does contract.
  CHECK(trace.value_errors.back() < trace.value_errors.front());
}

}  // namespace

TEST_CASE("SPMA per-step contraction bound holds on 24 random MDPs, rewards in [0, 1]") {
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    const double gamma = std::array{0.5, 0.8, 0.9, 0.95}[seed % 4];
    const Index S = 3 + static_cast<Index>(seed % 6);
    const Index A = 2 + static_cast<Index>(seed % 3);
    const Mdp mdp =
        seed % 2 == 0 ? random_mdp(S, A, gamma, seed) : make_garnet(S + 5, A, 2, seed, gamma);
    const double eta = (0.2 + 0.03 * static_cast<double>(seed)) * (1.0 - gamma);  // < 1 - gamma
    CAPTURE(seed);
    check_contraction(mdp, eta, 400);
  }
}

TEST_CASE(
    "SPMA contraction bound with rewards in [-1, 1] and gamma 0.99, eta < (1 - "
    "gamma)/R") {
  for (std::uint64_t seed = 101; seed <= 104; ++seed) {
    const Mdp mdp = random_mdp(6, 3, 0.99, seed, -1.0, 1.0);
    CAPTURE(seed);
    check_contraction(mdp, 0.95 * spma_safe_step(mdp), 1000);
  }
}

TEST_CASE("SPMA contraction bound on the 5x5 MDP and CliffWorld") {
  check_contraction(make_five_by_five(), 0.099, 2000);
  const Mdp cliff = make_cliff_world();
  check_contraction(cliff, 0.9 * spma_safe_step(cliff), 3000);
}

TEST_CASE("a too-large SPMA step stops with step_invalid, naming iteration, state and action") {
  const Mdp mdp = make_cliff_world();
  const OptimalSolution optimal = solve_optimal(mdp);
  Spma spma(mdp, {.step_size = 1.0});
  const OptimizerResult result = tabrl::testing::run_from_uniform(mdp, optimal, spma, 100, {});
  CHECK(result.status == RunStatus::step_invalid);
  CHECK(result.iterations == 0);
  CHECK(result.message.find("iteration 0") != std::string::npos);
  CHECK(result.message.find("at state 0, action 'up' (1)") != std::string::npos);
  // The largest safe step at uniform logits is 1 / max(-A).
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  evaluator.evaluate_logits(uniform_logits(21, 4), evaluation);
  const double safe = 1.0 / (-evaluation.advantage.minCoeff());
  CHECK(result.message.find("below " + format_number(safe)) != std::string::npos);
}

TEST_CASE("at the bandit step eta = 1/R, a multiplier rounded to 0 is not a step_invalid") {
  // 1 + eta A of the worst arm at eta = 1/R is the other arms' share of the suboptimality: > 0
  // exactly, but 0 once J rounds to r*. The run converged there and then ended step_invalid
  // (a probe, iteration 6); now the multiplier is the values' accuracy and the run goes on.
  for (const std::vector<double>& means : {std::vector<double>{0.0, 1.0}, {0.2, 0.5, 0.9}}) {
    const Mdp bandit = make_bandit(means);
    REQUIRE(bandit.is_bandit());
    const OptimalSolution optimal = solve_optimal(bandit);
    const double eta = 1.0 / bandit.reward_range();
    Spma spma(bandit, {.step_size = eta});
    Trace trace;
    RunAnalysis analysis(bandit, spma, {1e-2});
    const OptimizerResult result =
        tabrl::testing::run_from_uniform(bandit, optimal, spma, 100, {&trace, &analysis});
    CAPTURE(result.message);
    CHECK(result.status == RunStatus::max_iterations);
    CHECK(result.suboptimality <= 1e-15);
    CHECK(result.policy.allFinite());
    // The theorem's bound on delta_t at eta R <= 1 holds at every step, floored entries included.
    CHECK(analysis.result().bound == TheoryBound::spma_bandit_constant);
    CHECK(analysis.result().bound_checks > 0);
    CHECK(analysis.result().bound_held());
    // The suboptimality never increases (the bandit's SPMA improves monotonically).
    for (std::size_t t = 0; t + 1 < trace.suboptimalities.size(); ++t) {
      CHECK(trace.suboptimalities[t + 1] <= trace.suboptimalities[t]);
    }
    // Above 1/R the step can be invalid in earnest, and still ends the run.
    Spma above(bandit, {.step_size = 3.0 * eta});
    CHECK(tabrl::testing::run_from_uniform(bandit, optimal, above, 100, {}).status ==
          RunStatus::step_invalid);
  }
}

TEST_CASE("one state with gamma > 0 is an MDP, not a bandit") {
  // Its values carry 1 / (1 - gamma): the bandit's theory steps would be 1 / (1 - gamma) too
  // large (a probe: softmax PG's 2 / (5R) = 0.4 where (1 - gamma)^3 / (8 R) = 1.25e-7 holds).
  const Mdp one_state = Mdp(
      {.num_states = 1,
       .num_actions = 3,
       .gamma = 0.99,
       .rho = Vector::Ones(1),
       .rewards = StateActionMatrix{{0.0, 0.5, 1.0}},
       .transitions = make_transitions(1, 3, {{0, 0, 0, 1.0}, {0, 1, 0, 1.0}, {0, 2, 0, 1.0}})});
  CHECK_FALSE(one_state.is_bandit());
  CHECK(spg_theory_step(one_state) == doctest::Approx(std::pow(0.01, 3) / 8.0));
  const Mdp bandit = make_bandit({0.0, 0.5, 1.0});
  CHECK(bandit.is_bandit());
  CHECK(spg_theory_step(bandit) == doctest::Approx(2.0 / 5.0));
}

TEST_CASE("clip mode keeps going, counts clipped states and still improves") {
  const Mdp mdp = make_cliff_world();
  const OptimalSolution optimal = solve_optimal(mdp);
  Spma spma(mdp, {.step_size = 1.0, .clip = true, .clip_floor = 1e-6});
  REQUIRE(spma.diagnostic_names() == std::vector<std::string>{"spma_c", "clipped"});
  Trace trace;
  const OptimizerResult result = tabrl::testing::run_from_uniform(mdp, optimal, spma, 50, {&trace});
  CHECK(result.status == RunStatus::max_iterations);
  CHECK(trace.diagnostics[0][1] >= 1.0);
  CHECK(trace.value_errors.back() < trace.value_errors.front());
}

TEST_CASE("SPMA options are validated with the field named") {
  const Mdp mdp = make_five_by_five();
  CHECK_THROWS_WITH_AS(Spma(mdp, {.step_size = -1.0}), "step_size: must be > 0 and finite, got -1",
                       InputError);
  CHECK_THROWS_WITH_AS(Spma(mdp, {.gap_dependent = true}),
                       doctest::Contains("bandits (one state, gamma = 0) only"), InputError);
  CHECK_THROWS_WITH_AS(Spma(mdp, {.step_size = 0.1, .clip = true, .clip_floor = 0.0}),
                       "clip_floor: must be in (0, 1), got 0", InputError);
}

TEST_CASE(
    "C_t by hand: ties give 0, a lone action and rows without a positive advantage or with "
    "a NaN are left out") {
  // Rows are states; each row's advantage is Q minus a V chosen so that its sign is as named.
  Evaluation evaluation;
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  evaluation.q.resize(5, 3);
  evaluation.q << 1.0, 3.0, 2.0,  // greedy 1, runner-up 2: gap 1
      4.0, 1.0, 4.0,              // a tie for the best: gap 0 (limits C_t once included)
      1.0, 0.0, 0.5,              // no positive advantage: left out
      2.0, nan, 1.0,              // a NaN: left out
      -inf, 5.0, 4.5;             // greedy 1, gap 0.5
  evaluation.policy.resize(5, 3);
  evaluation.policy << 0.2, 0.5, 0.3, 0.4, 0.3, 0.3, 0.6, 0.2, 0.2, 0.3, 0.3, 0.4, 0.1, 0.8, 0.1;
  const Vector v = (Vector(5) << 2.0, 3.0, 1.0, 1.5, 4.0).finished();
  evaluation.advantage = evaluation.q.colwise() - v;
  // Without the tie: min(0.5 * 1, 0.8 * 0.5) = 0.4.
  Evaluation untied = evaluation;
  untied.advantage.row(1).setConstant(-1.0);
  CHECK(spma_contraction_constant(untied) == 0.4);
  CHECK(spma_contraction_constant(evaluation) == 0.0);
  // The best value first, then the runner-up later, or the other way round: the same gap.
  Evaluation reordered = untied;
  reordered.q.row(0) << 3.0, 1.0, 2.0;
  reordered.policy.row(0) << 0.5, 0.2, 0.3;
  CHECK(spma_contraction_constant(reordered) == 0.4);
  reordered.q.row(4) << 4.5, 5.0, -inf;
  CHECK(spma_contraction_constant(reordered) == 0.4);
  // One action: no competitor, no constraint; no state with a positive advantage: NaN.
  Evaluation lone;
  lone.q = StateActionMatrix::Constant(2, 1, 1.0);
  lone.policy = StateActionMatrix::Ones(2, 1);
  lone.advantage = StateActionMatrix::Constant(2, 1, 0.5);
  CHECK(std::isnan(spma_contraction_constant(lone)));
  untied.advantage.setConstant(-1.0);
  CHECK(std::isnan(spma_contraction_constant(untied)));
}

TEST_CASE(
    "the SPMA step and C_t on 1 and 2 threads: the same bits, and a sequential loop's values") {
  // 40,000 states: the step's loops run on fixed chunks in parallel.
  const Index states = 40000;
  const Mdp mdp = make_garnet(states, 3, 4, 6);
  PolicyEvaluator evaluator(mdp, LinearSolverKind::krylov);
  const OptimalSolution unsolved;
  Evaluation evaluation;
  const StateActionMatrix logits = random_logits(states, 3, 2);
  evaluator.evaluate_logits(logits, evaluation);
  // A step large enough that some entries fall below the clip floor in clip mode.
  const double eta = 2.0 / evaluation.advantage.cwiseAbs().maxCoeff();
  const int threads = thread_count();
  for (const bool clip : {false, true}) {
    CAPTURE(clip);
    const double step = clip ? eta : 0.05;
    // The sequential reference: z + log1p(eta A), or z + log(floor) below the floor.
    StateActionMatrix expected = logits;
    int expected_clipped = 0;
    double expected_c = std::numeric_limits<double>::infinity();
    for (Index s = 0; s < states; ++s) {
      bool clipped = false;
      for (Index a = 0; a < 3; ++a) {
        const double change = step * evaluation.advantage(s, a);
        if (clip && !(1.0 + change > 1e-3)) {
          expected(s, a) = logits(s, a) + std::log(1e-3);
          clipped = true;
        } else {
          expected(s, a) = logits(s, a) + std::log1p(change);
        }
      }
      expected_clipped += clipped ? 1 : 0;
      if (!(evaluation.advantage.row(s).maxCoeff() > 0.0)) continue;
      Index greedy = 0;
      const double best = evaluation.q.row(s).maxCoeff(&greedy);
      double runner_up = -std::numeric_limits<double>::infinity();
      for (Index a = 0; a < 3; ++a) {
        if (a != greedy) runner_up = std::max(runner_up, evaluation.q(s, a));
      }
      expected_c = std::min(expected_c, evaluation.policy(s, greedy) * (best - runner_up));
    }
    if (clip) CHECK(expected_clipped > 0);
    StateActionMatrix first;
    for (const int count : {1, 2}) {
      set_thread_count(count);
      Spma spma(mdp, {.step_size = step, .clip = clip, .clip_floor = 1e-3});
      StateActionMatrix next(states, 3);
      std::vector<double> diagnostics(clip ? 2 : 1);
      const StepReport report =
          spma.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                    evaluation, logits, next, diagnostics);
      CHECK(report.outcome == StepOutcome::ok);
      // The vector log1p (core/vector_math) is within a few ulp of the scalar one; the two
      // thread counts agree bit for bit.
      CHECK(((next - expected).array().abs() <= 1e-14 * (1.0 + expected.array().abs())).all());
      if (count == 1) first = next;
      CHECK((next.array() == first.array()).all());
      CHECK(diagnostics[0] == expected_c);
      if (clip) CHECK(diagnostics[1] == expected_clipped);
    }
    set_thread_count(threads);
  }
}
