// Rate fitting and the per-run analysis on synthetic and real curves.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/npg_entropy.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/rate_fit.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "forwarding_rule.hpp"
#include "run_helpers.hpp"

using namespace tabrl;

TEST_CASE("a geometric curve gives its ratio with R^2 = 1, and the floor cuts the tail") {
  std::vector<int> t;
  std::vector<double> gap;
  for (int i = 0; i <= 400; ++i) {
    t.push_back(i);
    gap.push_back(std::max(2.0 * std::pow(0.9, i), 1e-300));
  }
  const RateFit fit = fit_rate(t, gap, 1e-13);
  CHECK(fit.rate == doctest::Approx(0.9).epsilon(1e-10));
  CHECK(fit.r_squared == doctest::Approx(1.0));
  // 2 * 0.9^t > 1e-13 up to t = 290; the tail is its later half.
  CHECK(fit.last_iteration == 290);
  CHECK(fit.first_iteration == 145);
}

TEST_CASE("a 1/t curve has log-log slope -1 and a rate close to 1") {
  std::vector<int> t;
  std::vector<double> gap;
  for (int i = 1; i <= 10000; ++i) {
    t.push_back(i);
    gap.push_back(3.0 / i);
  }
  const RateFit fit = fit_rate(t, gap, 1e-13);
  CHECK(fit.loglog_slope == doctest::Approx(-1.0).epsilon(1e-10));
  CHECK(fit.rate > 0.9995);      // a linear fit of a 1/t tail: close to 1
  CHECK(fit.r_squared < 0.995);  // ... and visibly curved
}

TEST_CASE("fewer than three points above the floor: no fit") {
  const std::vector<int> t{0, 1, 2};
  const std::vector<double> gap{1.0, 1e-14, 0.0};
  CHECK(fit_rate(t, gap, 1e-13).points == 0);
}

namespace {

RunAnalysisResult analyse(const Mdp& mdp, UpdateRule& rule, int iterations) {
  const OptimalSolution optimal = solve_optimal(mdp);
  RunAnalysis analysis(mdp, rule, {1e-2, 1e-6});
  IterationCallback* callbacks[] = {&analysis};
  optimize(mdp, optimal, rule, uniform_logits(mdp.num_states(), mdp.num_actions()),
           {.max_iterations = iterations}, callbacks);
  return analysis.result();
}

}  // namespace

TEST_CASE("near gamma = 1 the bounds' slack is the values' accuracy, not 1e-12") {
  // A probe's case: SPMA at its safe step on a Garnet with gamma = 1 - 1e-7 from a random start.
  // The value error rose by about 1e-9 of the value scale at 38 of 100 steps, the evaluation's
  // own noise, and the contraction was reported violated with a slack of 1e-12.
  const Mdp mdp = make_garnet(8, 3, 2, 2, 0.9999999);
  const OptimalSolution optimal = solve_optimal(mdp);
  Spma spma(mdp, {.step_size = safe_step_rule(mdp)});  // the `safe` rule
  RunAnalysis analysis(mdp, spma, {1e-2}, /*uniform_start=*/false);
  IterationCallback* callbacks[] = {&analysis};
  optimize(mdp, optimal, spma, initial_logits("random(scale=5,seed=0)", mdp, optimal),
           {.max_iterations = 100}, callbacks);
  CHECK(analysis.result().bound == TheoryBound::spma_contraction);
  CHECK(analysis.result().bound_checks == 100);
  CHECK(analysis.result().bound_violations == 0);
}

TEST_CASE("a bound that no step could check is not reported as held") {
  // A probe's case: npg_entropy at eta tau = 1 from logits of +-1e308, where the entropy bound's
  // C_1 is 0 times infinity at every step. "Held" after 0 checks was a claim with nothing behind
  // it.
  const Mdp mdp = make_five_by_five();
  NpgEntropy npg(mdp, {.tau = 1.0, .step_size = 1.0});
  StateActionMatrix logits = StateActionMatrix::Zero(mdp.num_states(), mdp.num_actions());
  logits.col(0).setConstant(1e308);
  logits.col(1).setConstant(-1e308);
  const OptimalSolution optimal = solve_optimal(mdp);
  RunAnalysis analysis(mdp, npg, {1e-2});
  IterationCallback* callbacks[] = {&analysis};
  optimize(mdp, optimal, npg, logits, {.max_iterations = 30}, callbacks);
  CHECK(analysis.result().bound == TheoryBound::cen_entropy);
  CHECK(analysis.result().bound_checks == 0);
  CHECK_FALSE(analysis.result().bound_checked());
  CHECK_FALSE(analysis.result().bound_held());
  // From the uniform start the same bound is checked at every step, and holds.
  NpgEntropy uniform(mdp, {.tau = 1.0, .step_size = 1.0});
  RunAnalysis checked(mdp, uniform, {1e-2});
  IterationCallback* checked_callbacks[] = {&checked};
  optimize(mdp, optimal, uniform, StateActionMatrix::Zero(mdp.num_states(), mdp.num_actions()),
           {.max_iterations = 30}, checked_callbacks);
  CHECK(checked.result().bound_checks > 0);
  CHECK(checked.result().bound_held());
}

TEST_CASE("the analysis finds the reference iteration count and checks SPMA's bound") {
  const Mdp mdp = make_five_by_five();
  Spma spma(mdp, {.step_size = 0.099});
  const RunAnalysisResult result = analyse(mdp, spma, 1500);
  CHECK(result.first_iteration[1] == 1278);  // 1e-6, as in docs/theory.md, "Reference values"
  CHECK(result.bound == TheoryBound::spma_contraction);
  CHECK(result.bound_checks == 1500);
  CHECK(result.bound_violations == 0);
  CHECK(result.spma_min_c > 0.0);
  CHECK(result.rate.rate < 1.0);
  CHECK(result.rate.r_squared > 0.99);
}

TEST_CASE("bounds are chosen by method, MDP and step") {
  const Mdp mdp = make_five_by_five();
  const Mdp bandit = make_bandit({0.1, 0.5, 0.9});
  CHECK(Spma(mdp, {.step_size = 0.5}).theory_bound(mdp) == TheoryBound::none);
  CHECK(Spma(mdp, {.step_size = 0.1, .clip = true}).theory_bound(mdp) == TheoryBound::none);
  CHECK(Spma(bandit, {.step_size = 1.0}).theory_bound(bandit) == TheoryBound::spma_bandit_constant);
  CHECK(Spma(bandit, {.gap_dependent = true}).theory_bound(bandit) == TheoryBound::spma_bandit_gap);
  CHECK(Npg({.step_size = 3.0}).theory_bound(mdp) == TheoryBound::npg_agarwal);
  CHECK(Spg({.step_size = 0.5}).theory_bound(bandit) == TheoryBound::spg_bandit);
  CHECK(Spg({.step_size = 0.4}).theory_bound(bandit) == TheoryBound::none);
}

namespace {

// A rule that claims a bound it does not satisfy: the update of `inner`, the bound `claimed`.
class ClaimingRule final : public testing::ForwardingRule {
 public:
  ClaimingRule(UpdateRule& inner, TheoryBound claimed, double step)
      : ForwardingRule(inner), claimed_(claimed), step_(step) {}
  std::string name() const override { return "claiming"; }
  TheoryBound theory_bound(const Mdp& /*mdp*/) const override { return claimed_; }
  double nominal_step_size() const override { return step_; }

 private:
  TheoryBound claimed_;
  double step_;
};

}  // namespace

TEST_CASE("bandits with tied best arms: a* is the set of optimal arms, and every bound holds") {
  // Two optimal arms: one of them alone does not square under the gap step (from uniform, 1/3
  // each: 1 - pi(a1) goes 2/3 -> 5/9, not 4/9), the pair does (1/3 -> 1/9).
  const Mdp tied = make_bandit({0.5, 0.1, 0.5});
  CHECK(bandit_min_gap(tied) == doctest::Approx(0.4).epsilon(1e-15));
  CHECK(std::isinf(bandit_min_gap(make_bandit({0.3, 0.3}))));
  StateActionMatrix policy(1, 3);
  policy << 0.25, 0.5, 0.25;
  CHECK(optimal_arms_probability(tied, policy) == 0.5);
  CHECK(largest_optimal_arm_probability(tied, policy) == 0.25);

  Spma gap_rule(tied, {.gap_dependent = true});
  const OptimalSolution optimal = solve_optimal(tied);
  RunAnalysis analysis(tied, gap_rule, {1e-2});
  std::vector<double> deltas;
  struct Deltas final : IterationCallback {
    std::vector<double>* out;
    CallbackAction on_iteration(const IterationSummary& summary) override {
      out->push_back(1.0 - summary.optimal_action_prob);
      return CallbackAction::proceed;
    }
  } recorder;
  recorder.out = &deltas;
  IterationCallback* callbacks[] = {&analysis, &recorder};
  optimize(tied, optimal, gap_rule, uniform_logits(1, 3), {.max_iterations = 4}, callbacks);
  REQUIRE(deltas.size() == 5);
  CHECK(deltas[0] == doctest::Approx(1.0 / 3.0).epsilon(1e-15));
  CHECK(deltas[1] == doctest::Approx(1.0 / 9.0).epsilon(1e-14));
  CHECK(deltas[2] == doctest::Approx(1.0 / 81.0).epsilon(1e-13));
  CHECK(analysis.result().bound == TheoryBound::spma_bandit_gap);
  CHECK(analysis.result().bound_checks == 4);
  CHECK(analysis.result().bound_violations == 0);

  Spma constant(tied, {.step_size = 1.0});
  CHECK(analyse(tied, constant, 50).bound_violations == 0);
  Spg spg({.step_size = spg_theory_step(tied)});
  const RunAnalysisResult spg_result = analyse(tied, spg, 50);
  CHECK(spg_result.bound == TheoryBound::spg_bandit);
  CHECK(spg_result.bound_violations == 0);
}

TEST_CASE("a wrong bound is caught: the checks can fail") {
  // Constant-step SPMA does not square 1 - pi(a*) every step: the gap-step bound fails.
  const Mdp bandit = make_bandit({0.1, 0.5, 0.9});
  Spma constant(bandit, {.step_size = 1.0});
  ClaimingRule squares(constant, TheoryBound::spma_bandit_gap, 1.0);
  const RunAnalysisResult squared = analyse(bandit, squares, 8);
  CHECK(squared.bound_checks == 8);
  CHECK(squared.bound_violations > 0);
  CHECK_FALSE(squared.bound_held());
  // The true gap step does square it: the same check holds.
  Spma gap_rule(bandit, {.gap_dependent = true});
  CHECK(analyse(bandit, gap_rule, 8).bound_violations == 0);

  // SPG converges far slower than policy iteration: claiming PI's gamma^t rate for it fails.
  const Mdp mdp = make_five_by_five();
  Spg spg({.step_size = 0.1});
  ClaimingRule like_pi(spg, TheoryBound::pi_contraction, 0.1);
  const RunAnalysisResult fast = analyse(mdp, like_pi, 200);
  CHECK(fast.bound_violations > 0);
  CHECK(fast.bound_violations <= fast.bound_checks);

  // NPG with a tiny step on an MDP with a huge reward range still satisfies its own bound.
  const Mdp cliff = make_cliff_world();
  Npg npg({.step_size = 0.01});
  const RunAnalysisResult npg_result = analyse(cliff, npg, 200);
  CHECK(npg_result.bound == TheoryBound::npg_agarwal);
  CHECK(npg_result.bound_checks == 200);
  CHECK(npg_result.bound_violations == 0);
}

TEST_CASE("verdicts on synthetic curves: linear, inconclusive, sublinear, super-linear, stalled") {
  const auto curve = [](int length, auto&& gap) {
    std::pair<std::vector<int>, std::vector<double>> c;
    for (int t = 0; t < length; ++t) {
      c.first.push_back(t);
      c.second.push_back(gap(t));
    }
    return c;
  };
  const auto kind = [](const auto& c) { return classify_convergence(c.first, c.second, 1e-13); };
  CHECK(kind(curve(500, [](int t) { return 3.0 * std::pow(0.95, t); })) == ConvergenceKind::linear);
  // A slow geometric curve is linear once the fitted window (the later half) spans 3 decades,
  // and inconclusive before: q = 0.999 over 500 iterations moves the tail by 0.1 decades only.
  CHECK(kind(curve(500, [](int t) { return 0.5 * std::pow(0.999, t); })) ==
        ConvergenceKind::inconclusive);
  CHECK(kind(curve(16000, [](int t) { return 0.5 * std::pow(0.999, t); })) ==
        ConvergenceKind::linear);
  CHECK(kind(curve(13000, [](int t) { return 0.5 * std::pow(0.999, t); })) ==
        ConvergenceKind::inconclusive);
  // Linear with a slower start (a plateau first) is still linear in its tail.
  CHECK(kind(curve(2000, [](int t) { return t < 300 ? 1.0 : std::pow(0.98, t - 300); })) ==
        ConvergenceKind::linear);
  CHECK(kind(curve(5000, [](int t) { return 2.0 / (t + 1.0); })) == ConvergenceKind::sublinear);
  CHECK(kind(curve(5000, [](int t) { return 1.0 / std::sqrt(t + 1.0); })) ==
        ConvergenceKind::sublinear);
  CHECK(kind(curve(12, [](int t) { return std::pow(2.0 / 3.0, std::pow(2.0, t)); })) ==
        ConvergenceKind::superlinear);
  CHECK(kind(curve(8, [](int t) { return std::pow(0.1, std::pow(1.6, t)); })) ==
        ConvergenceKind::superlinear);
  CHECK(kind(curve(300, [](int) { return 0.3; })) == ConvergenceKind::stalled);
  CHECK(kind(curve(2, [](int t) { return 1.0 - t; })) == ConvergenceKind::unknown);
}

TEST_CASE("log-linear runs: the floor, its drift and the largest Newton count, from the trace") {
  const Mdp mdp = make_garnet(8, 3, 2, 4);
  const OptimalSolution optimal = solve_optimal(mdp);
  for (const char* features : {"random(dim=2,seed=1)", "one_hot"}) {
    CAPTURE(features);
    auto rule =
        make_log_linear_algorithm("spma", "0.5", mdp, make_features(features, mdp, nullptr));
    RunAnalysis analysis(mdp, *rule, {1e-2, 1e-6});
    testing::Trace trace;
    IterationCallback* callbacks[] = {&analysis, &trace};
    const int iterations = 300;
    optimize(mdp, optimal, *rule, uniform_logits(mdp.num_states(), mdp.num_actions()),
             {.max_iterations = iterations}, callbacks);
    const RunAnalysisResult& result = analysis.result();
    const std::vector<double>& sub = trace.suboptimalities;
    REQUIRE(sub.size() == static_cast<std::size_t>(iterations + 1));
    // The floor: the smallest suboptimality over the last tenth of the iterates.
    const std::size_t n = sub.size(), tail = n / 10;
    const double floor =
        *std::min_element(sub.end() - static_cast<std::ptrdiff_t>(tail), sub.end());
    CHECK(result.floor == std::max(floor, 0.0));
    // The drift: the largest suboptimality of the second half, over the floor.
    const double largest =
        *std::max_element(sub.begin() + static_cast<std::ptrdiff_t>(n / 2), sub.end());
    REQUIRE(sub.front() > result.floor);
    const double scale = result.floor > 0.0 ? std::min(sub.front() - result.floor, result.floor)
                                            : sub.front() - result.floor;
    CHECK(result.floor_drift == doctest::Approx((largest - result.floor) / scale));
    // The largest Newton count of any iterate, read from the inner_iterations column.
    const std::vector<std::string> names = rule->diagnostic_names();
    const auto column = static_cast<std::size_t>(
        std::find(names.begin(), names.end(), "inner_iterations") - names.begin());
    REQUIRE(column < names.size());
    double most = 0.0;
    for (const auto& row : trace.diagnostics) {
      if (std::isfinite(row[column])) most = std::max(most, row[column]);
    }
    CHECK(most >= 1.0);
    CHECK(result.inner_iterations_max == most);
  }
}
