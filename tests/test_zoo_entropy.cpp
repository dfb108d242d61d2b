// The entropy-regularised methods npg_entropy and spg_entropy (docs/algorithms.md): their runs
// against an independent dense implementation iterate by iterate (policies, objectives, steps
// and the reg_* columns), npg_entropy at eta = 1/tau against soft policy iteration, the
// spg_entropy direction against central differences of J_tau, Cen et al.'s bound as a property
// test on random MDPs (and two wrong bounds that it must catch), convergence to pi*_tau, the
// geometric schedule past 1/tau, and the registry's errors.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/npg_entropy.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/spg_entropy.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/soft_optimal.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::random_mdp;
using tabrl::testing::Trace;

namespace {

// ---------------------------------------------------------------------------------------------
// An independent implementation of the two updates, dense Eigen straight from the definitions of
// docs/theory.md ("Exact quantities of a policy", "Entropy regularisation"): its own log-softmax,
// its own full-pivot solves, its own soft policy iteration. It shares nothing with the library
// but the Mdp it reads.

struct DenseModel {
  Index states = 0;
  Index actions = 0;
  double gamma = 0.0;
  Eigen::MatrixXd next;    // row s A + a: P[s, a, :]
  Eigen::MatrixXd reward;  // S x A
  Eigen::VectorXd rho;

  explicit DenseModel(const Mdp& mdp)
      : states(mdp.num_states()), actions(mdp.num_actions()), gamma(mdp.gamma()) {
    const Eigen::MatrixXd kernel = Eigen::MatrixXd(mdp.transitions());
    next.resize(states * actions, states);
    for (Index s = 0; s < states; ++s) {
      for (Index a = 0; a < actions; ++a)
        next.row(s * actions + a) = kernel.row(mdp.transition_row(s, a));
    }
    reward = mdp.rewards();
    rho = mdp.rho();
  }
};

struct ReferencePoint {
  Eigen::MatrixXd policy, log_policy;  // pi, log pi from the logits
  Eigen::VectorXd v, v_tau, visitation;
  Eigen::MatrixXd q_tau;
};

ReferencePoint reference_point(const DenseModel& m, const Eigen::MatrixXd& logits, double tau) {
  ReferencePoint p;
  p.log_policy.resize(m.states, m.actions);
  for (Index s = 0; s < m.states; ++s) {
    const double top = logits.row(s).maxCoeff();
    const double log_sum = top + std::log((logits.row(s).array() - top).exp().sum());
    p.log_policy.row(s) = logits.row(s).array() - log_sum;
  }
  p.policy = p.log_policy.array().exp();
  Eigen::MatrixXd transition_pi = Eigen::MatrixXd::Zero(m.states, m.states);
  Eigen::VectorXd reward_pi = Eigen::VectorXd::Zero(m.states);
  Eigen::VectorXd entropy = Eigen::VectorXd::Zero(m.states);
  for (Index s = 0; s < m.states; ++s) {
    for (Index a = 0; a < m.actions; ++a) {
      const double pi = p.policy(s, a);
      transition_pi.row(s) += pi * m.next.row(s * m.actions + a);
      reward_pi[s] += pi * m.reward(s, a);
      if (pi > 0.0) entropy[s] -= pi * p.log_policy(s, a);
    }
  }
  const Eigen::MatrixXd system =
      Eigen::MatrixXd::Identity(m.states, m.states) - m.gamma * transition_pi;
  const auto lu = system.fullPivLu();
  p.v = lu.solve(reward_pi);
  p.v_tau = lu.solve(reward_pi + tau * entropy);
  p.visitation = (1.0 - m.gamma) * system.transpose().fullPivLu().solve(m.rho);
  p.q_tau.resize(m.states, m.actions);
  for (Index s = 0; s < m.states; ++s) {
    for (Index a = 0; a < m.actions; ++a) {
      p.q_tau(s, a) = m.reward(s, a) + m.gamma * m.next.row(s * m.actions + a).dot(p.v_tau);
    }
  }
  return p;
}

struct ReferenceOptimum {
  Eigen::VectorXd v;
  Eigen::MatrixXd q, log_policy;
};

// Soft policy iteration written as logits: z <- Q_tau^{softmax(z)} / tau from z = 0, until Q_tau
// stops changing (Newton's method: a handful of sweeps) or 200 sweeps.
ReferenceOptimum reference_soft_optimum(const DenseModel& m, double tau) {
  Eigen::MatrixXd logits = Eigen::MatrixXd::Zero(m.states, m.actions);
  Eigen::MatrixXd previous_q;
  ReferencePoint p;
  for (int sweep = 0; sweep < 200; ++sweep) {
    p = reference_point(m, logits, tau);
    if (sweep > 0 && (p.q_tau - previous_q).cwiseAbs().maxCoeff() == 0.0) break;
    previous_q = p.q_tau;
    logits = p.q_tau / tau;
  }
  const ReferencePoint at_optimum = reference_point(m, p.q_tau / tau, tau);
  return {.v = p.v_tau, .q = p.q_tau, .log_policy = at_optimum.log_policy};
}

enum class Method { npg_entropy, spg_entropy };

struct Row {
  Eigen::MatrixXd policy;
  double objective = 0.0;
  double step_size = 0.0;
  double reg_suboptimality = 0.0;
  double reg_q_error_inf = 0.0;
};

// Rows 0..iterations of a run of `method` from `logits`, as docs/algorithms.md writes the update.
std::vector<Row> reference_run(const DenseModel& m, Method method, double tau, double eta,
                               bool geometric, Eigen::MatrixXd logits, int iterations) {
  const ReferenceOptimum optimum = reference_soft_optimum(m, tau);
  std::vector<Row> rows;
  for (int t = 0; t <= iterations; ++t) {
    const ReferencePoint p = reference_point(m, logits, tau);
    const double step = geometric ? eta * std::pow(m.gamma, -t) : eta;
    rows.push_back({.policy = p.policy,
                    .objective = m.rho.dot(p.v),
                    .step_size = step,
                    .reg_suboptimality = m.rho.dot(optimum.v - p.v_tau),
                    .reg_q_error_inf = (optimum.q - p.q_tau).cwiseAbs().maxCoeff()});
    if (method == Method::npg_entropy) {
      logits = (1.0 - step * tau) * logits + step * p.q_tau;
    } else {
      for (Index s = 0; s < m.states; ++s) {
        for (Index a = 0; a < m.actions; ++a) {
          const double soft_advantage = p.q_tau(s, a) - tau * p.log_policy(s, a) - p.v_tau[s];
          logits(s, a) +=
              step * p.visitation[s] * p.policy(s, a) * soft_advantage / (1.0 - m.gamma);
        }
      }
    }
  }
  return rows;
}

// The library side: optimize() with a Trace that keeps every row (tests/run_helpers.hpp).

struct RunOutput {
  std::vector<Row> rows;
  OptimizerResult result;
};

RunOutput run(const Mdp& mdp, UpdateRule& rule, const StateActionMatrix& initial, int iterations,
              LinearSolverKind solver = LinearSolverKind::automatic) {
  const OptimalSolution optimal = solve_optimal(mdp);
  Trace trace;
  trace.keep_policies = true;
  std::vector<IterationCallback*> callbacks{&trace};
  RunOutput output;
  output.result = optimize(mdp, optimal, rule, initial,
                           {.max_iterations = iterations, .solver = solver}, callbacks);
  for (std::size_t t = 0; t < trace.policies.size(); ++t) {
    output.rows.push_back({.policy = trace.policies[t],
                           .objective = trace.objectives[t],
                           .step_size = trace.step_sizes[t],
                           .reg_suboptimality = trace.diagnostics[t].at(0),
                           .reg_q_error_inf = trace.diagnostics[t].at(1)});
  }
  return output;
}

// J_tau(softmax(z)) by the reference.
double reference_objective_tau(const DenseModel& m, const Eigen::MatrixXd& logits, double tau) {
  return m.rho.dot(reference_point(m, logits, tau).v_tau);
}

// log softmax of the logits, independently of the library.
Eigen::MatrixXd reference_log_softmax(const DenseModel& m, const Eigen::MatrixXd& logits) {
  return reference_point(m, logits, 0.0).log_policy;
}

// The Cen et al. bound at row t >= 1 as docs/theory.md ("Convergence guarantees") writes it, with a
// rate and a constant that the wrong variants below change.
struct CenVariant {
  const char* name;
  bool drop_horizon_factor;  // (1 - eta tau)^(t-1) instead of (1 - (1 - gamma) eta tau)^(t-1)
  double constant_factor;    // C_1 times this
};

}  // namespace

TEST_CASE("npg_entropy and spg_entropy runs match an independent dense implementation row by row") {
  struct Case {
    Method method;
    Index states, actions;
    double gamma, tau, eta;
    bool geometric;
    double init_scale;
    LinearSolverKind solver;
  };
  const std::vector<Case> cases = {
      {Method::npg_entropy, 6, 3, 0.9, 0.1, 4.0, false, 1.0, LinearSolverKind::dense_lu},
      {Method::npg_entropy, 5, 4, 0.95, 0.7, 1.0 / 0.7, false, 2.0, LinearSolverKind::dense_lu},
      {Method::npg_entropy, 8, 2, 0.95, 1.5, 0.05, true, 3.0, LinearSolverKind::dense_lu},
      {Method::npg_entropy, 7, 3, 0.9, 0.3, 1.0, false, 1.0, LinearSolverKind::krylov},
      {Method::spg_entropy, 6, 3, 0.9, 0.1, 2.0, false, 1.0, LinearSolverKind::dense_lu},
      {Method::spg_entropy, 5, 4, 0.9, 2.0, 0.02, true, 2.0, LinearSolverKind::dense_lu},
      {Method::spg_entropy, 7, 3, 0.9, 0.5, 1.0, false, 1.0, LinearSolverKind::sparse_lu},
  };
  const int iterations = 40;
  std::uint64_t seed = 10;
  for (const Case& c : cases) {
    ++seed;
    const Mdp mdp = random_mdp(c.states, c.actions, c.gamma, seed, -1.0, 2.0);
    const StateActionMatrix initial = random_logits(c.states, c.actions, seed + 50, c.init_scale);
    std::unique_ptr<UpdateRule> rule;
    if (c.method == Method::npg_entropy) {
      rule = std::make_unique<NpgEntropy>(
          mdp, NpgEntropyOptions{.tau = c.tau, .step_size = c.eta, .geometric = c.geometric});
    } else {
      rule = std::make_unique<SpgEntropy>(
          mdp, SpgEntropyOptions{.tau = c.tau, .step_size = c.eta, .geometric = c.geometric});
    }
    CAPTURE(rule->name());
    CAPTURE(seed);
    const std::string solver = to_string(c.solver);
    CAPTURE(solver);
    const RunOutput output = run(mdp, *rule, initial, iterations, c.solver);
    const std::vector<Row> expected =
        reference_run(DenseModel(mdp), c.method, c.tau, c.eta, c.geometric, initial, iterations);
    REQUIRE(output.rows.size() == expected.size());
    const double scale = regularised_value_scale(mdp, c.tau);
    for (std::size_t t = 0; t < expected.size(); ++t) {
      CAPTURE(t);
      const Row& got = output.rows[t];
      const Row& want = expected[t];
      CHECK((got.policy - want.policy).cwiseAbs().maxCoeff() <= 1e-10);
      CHECK(std::abs(got.objective - want.objective) <= 1e-11 * scale);
      CHECK(got.step_size == doctest::Approx(want.step_size).epsilon(1e-14));
      CHECK(std::abs(got.reg_suboptimality - want.reg_suboptimality) <= 1e-11 * scale);
      CHECK(std::abs(got.reg_q_error_inf - want.reg_q_error_inf) <= 1e-11 * scale);
    }
    // The regularised optimum is optimal: no iterate beats it.
    for (const Row& row : output.rows) CHECK(row.reg_suboptimality >= -1e-12 * scale);
  }
}

TEST_CASE("npg_entropy with eta = 1/tau is soft policy iteration") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.95 : 0.8;
    const double tau = seed <= 2 ? 0.05 : 1.0;
    const Mdp mdp = random_mdp(9, 3, gamma, seed);
    CAPTURE(seed);
    NpgEntropy rule(mdp, {.tau = tau, .step_size = 1.0 / tau});
    // One step: z_{t+1} = Q_tau^{pi_t} / tau exactly, whatever z_t was.
    PolicyEvaluator evaluator(mdp);
    const OptimalSolution unsolved;
    Evaluation evaluation;
    const StateActionMatrix logits = random_logits(9, 3, seed + 7, 3.0);
    evaluator.evaluate_logits(logits, evaluation);
    StateActionMatrix next(9, 3);
    std::vector<double> diagnostics(2);
    const StepReport report =
        rule.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                  evaluation, logits, next, diagnostics);
    CHECK(report.outcome == StepOutcome::ok);
    const ReferencePoint point = reference_point(DenseModel(mdp), logits, tau);
    const double scale = regularised_value_scale(mdp, tau);
    CHECK((next - point.q_tau / tau).cwiseAbs().maxCoeff() <= 1e-12 * scale / tau);

    // A run from uniform is the sequence of soft policy iteration (the reference's and the
    // library's solve_soft_optimal, which starts from uniform as well): it reaches pi*_tau in a
    // few sweeps, and its Q-error contracts by gamma each sweep.
    const RunOutput output = run(mdp, rule, uniform_logits(9, 3), 30);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    const DenseModel model(mdp);
    Eigen::MatrixXd soft_logits = Eigen::MatrixXd::Zero(9, 3);
    for (std::size_t t = 0; t < output.rows.size(); ++t) {
      CAPTURE(t);
      const ReferencePoint sweep = reference_point(model, soft_logits, tau);
      CHECK((output.rows[t].policy - sweep.policy).cwiseAbs().maxCoeff() <= 1e-10);
      soft_logits = sweep.q_tau / tau;
      if (t > 0) {
        CHECK(output.rows[t].reg_q_error_inf <=
              gamma * output.rows[t - 1].reg_q_error_inf + 1e-12 * scale);
      }
    }
    CHECK(output.rows.back().reg_q_error_inf <= 1e-12 * scale);
    CHECK((output.result.policy - soft.policy).cwiseAbs().maxCoeff() <= 1e-12);
    CHECK(std::abs(output.rows.back().reg_suboptimality) <= 1e-12 * scale);
  }
}

TEST_CASE("an spg_entropy step moves along dJ_tau/dz, checked by central differences") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.9 : 0.6;
    const double tau = seed <= 2 ? 0.2 : 3.0;
    const Mdp mdp = random_mdp(5, 4, gamma, seed + 20, -1.0, 1.0);
    const DenseModel model(mdp);
    CAPTURE(seed);
    const double eta = 0.37;
    SpgEntropy rule(mdp, {.tau = tau, .step_size = eta});
    PolicyEvaluator evaluator(mdp);
    const OptimalSolution unsolved;
    Evaluation evaluation;
    const StateActionMatrix logits = random_logits(5, 4, seed + 30, 1.5);
    evaluator.evaluate_logits(logits, evaluation);
    StateActionMatrix next(5, 4);
    std::vector<double> diagnostics(2);
    const StepReport report =
        rule.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                  evaluation, logits, next, diagnostics);
    CHECK(report.outcome == StepOutcome::ok);
    CHECK(report.step_size == eta);
    const Eigen::MatrixXd direction = (next - logits) / eta;
    const double h = 1e-5;
    Eigen::MatrixXd central(5, 4);
    for (Index s = 0; s < 5; ++s) {
      for (Index a = 0; a < 4; ++a) {
        Eigen::MatrixXd plus = logits, minus = logits;
        plus(s, a) += h;
        minus(s, a) -= h;
        central(s, a) = (reference_objective_tau(model, plus, tau) -
                         reference_objective_tau(model, minus, tau)) /
                        (2.0 * h);
      }
    }
    const double size = central.cwiseAbs().maxCoeff();
    CHECK(size > 1e-3);
    CHECK((direction - central).cwiseAbs().maxCoeff() <= 1e-7 * size);
    // An ascent direction: a small step raises J_tau.
    CHECK(reference_objective_tau(model, logits + 1e-3 * direction, tau) >
          reference_objective_tau(model, logits, tau));
  }
}

TEST_CASE("Cen et al.'s bound holds on random MDPs, and wrong bounds are caught") {
  const std::vector<CenVariant> variants = {
      {"as stated", false, 1.0},
      {"rate without the factor (1 - gamma)", true, 1.0},
      {"C_1 / 10", false, 0.1},
  };
  std::vector<int> violations(variants.size(), 0);
  int checks = 0;
  std::uint64_t seed = 100;
  for (const double gamma : {0.5, 0.9, 0.95}) {
    for (const double tau : {0.05, 0.3, 2.0}) {
      for (const double eta_tau : {0.1, 0.5, 1.0}) {
        ++seed;
        const Index states = 4 + static_cast<Index>(seed % 5);
        const Index actions = 2 + static_cast<Index>(seed % 3);
        const Mdp mdp = random_mdp(states, actions, gamma, seed, 0.0, 1.0);
        const double eta = eta_tau / tau;
        const StateActionMatrix initial =
            random_logits(states, actions, seed + 1000, 0.5 + static_cast<double>(seed % 4));
        NpgEntropy rule(mdp, {.tau = tau, .step_size = eta});
        CHECK(rule.theory_bound(mdp) == TheoryBound::cen_entropy);
        const RunOutput output = run(mdp, rule, initial, 120);
        CAPTURE(gamma);
        CAPTURE(tau);
        CAPTURE(eta_tau);

        // C_1 from the reference, and the rule's bound against it.
        const DenseModel model(mdp);
        const ReferenceOptimum optimum = reference_soft_optimum(model, tau);
        const ReferencePoint start = reference_point(model, initial, tau);
        const double constant =
            (optimum.q - start.q_tau).cwiseAbs().maxCoeff() +
            2.0 * tau * (1.0 - eta * tau) *
                (optimum.log_policy - reference_log_softmax(model, initial)).cwiseAbs().maxCoeff();
        CHECK(std::isnan(rule.bound_value(0)));
        CHECK(rule.bound_value(1) == doctest::Approx(constant * gamma).epsilon(1e-10));
        CHECK(rule.bound_value(5) ==
              doctest::Approx(constant * gamma * std::pow(1.0 - (1.0 - gamma) * eta * tau, 4))
                  .epsilon(1e-10));

        const double slack = 1e-12 * regularised_value_scale(mdp, tau);
        for (std::size_t t = 1; t < output.rows.size(); ++t) {
          ++checks;
          const double error = output.rows[t].reg_q_error_inf;
          CHECK(error <= rule.bound_value(static_cast<int>(t)) + slack);
          for (std::size_t v = 0; v < variants.size(); ++v) {
            const double rate =
                variants[v].drop_horizon_factor ? 1.0 - eta * tau : 1.0 - (1.0 - gamma) * eta * tau;
            const double bound = variants[v].constant_factor * constant * gamma *
                                 std::pow(rate, static_cast<double>(t - 1));
            if (error > bound + slack) ++violations[v];
          }
        }
      }
    }
  }
  MESSAGE("Cen bound checks: " << checks << "; violations as stated " << violations[0]
                               << ", without (1 - gamma) " << violations[1] << ", C_1 / 10 "
                               << violations[2]);
  CHECK(violations[0] == 0);
  CHECK(violations[1] > 0);
  CHECK(violations[2] > 0);
}

TEST_CASE("npg_entropy and spg_entropy converge to pi*_tau") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Mdp mdp = random_mdp(6, 3, 0.8, seed + 40);
    const StateActionMatrix initial = random_logits(6, 3, seed, 2.0);
    CAPTURE(seed);
    {
      const double tau = std::array{0.1, 0.5, 2.0}[seed - 1];
      const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
      const double scale = regularised_value_scale(mdp, tau);
      NpgEntropy npg(mdp, {.tau = tau, .step_size = 0.5 / tau});
      const RunOutput by_npg = run(mdp, npg, initial, 300);
      CHECK(by_npg.rows.back().reg_q_error_inf <= 1e-11 * scale);
      CHECK(std::abs(by_npg.rows.back().reg_suboptimality) <= 1e-11 * scale);
      CHECK((by_npg.result.policy - soft.policy).cwiseAbs().maxCoeff() <= 1e-10);
    }
    {
      // Slower (its rate depends on the smallest probabilities on the way): larger tau.
      const double tau = std::array{0.5, 1.0, 2.0}[seed - 1];
      const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
      const double scale = regularised_value_scale(mdp, tau);
      SpgEntropy spg(mdp, {.tau = tau, .step_size = 2.5 / tau});
      const RunOutput by_spg = run(mdp, spg, initial, 4000);
      CHECK(by_spg.rows.back().reg_suboptimality <= 1e-10 * scale);
      CHECK(by_spg.rows.back().reg_suboptimality >= -1e-12 * scale);
      CHECK((by_spg.result.policy - soft.policy).cwiseAbs().maxCoeff() <= 1e-6);
    }
  }
}

TEST_CASE("an entropy run's rate is fitted on its regularised error: linear, within Cen's rate") {
  // The unregularised value_error_inf levels off at the regularisation's bias (before, the fit
  // read that plateau: rate 1, "stalled"); reg_q_error_inf goes to 0 at least as fast as
  // (1 - (1 - gamma) eta tau)^t.
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const double gamma = 0.9;
    const Mdp mdp = random_mdp(6, 3, gamma, seed + 70, 0.0, 1.0);
    const double tau = 0.2;
    for (const double eta_tau : {0.2, 0.6}) {
      CAPTURE(seed);
      CAPTURE(eta_tau);
      NpgEntropy npg(mdp, {.tau = tau, .step_size = eta_tau / tau});
      RunAnalysis analysis(mdp, npg, {1e-2});
      std::vector<IterationCallback*> callbacks{&analysis};
      optimize(mdp, solve_optimal(mdp), npg, uniform_logits(6, 3), {.max_iterations = 600},
               callbacks);
      const RunAnalysisResult& result = analysis.result();
      CHECK(result.convergence == ConvergenceKind::linear);
      REQUIRE(result.rate.points > 0);
      CHECK(result.rate.rate <= 1.0 - (1.0 - gamma) * eta_tau);
      CHECK(result.rate.r_squared >= 0.99);
    }
  }
  // A bandit (Q_tau does not depend on the policy, so reg_q_error_inf is 0 throughout: the fit
  // reads reg_suboptimality), and a temperature whose entropy bonus dwarfs the rewards (the
  // noise floor is that of the regularised values' scale).
  struct Case {
    Mdp mdp;
    double tau, eta_tau;
  };
  const Case cases[] = {{make_bandit({0.2, 0.5, 0.9}), 0.1, 0.1},
                        {random_mdp(10, 3, 0.9, 5, 0.0, 1.0), 100.0, 0.1}};
  for (const Case& c : cases) {
    CAPTURE(c.tau);
    NpgEntropy npg(c.mdp, {.tau = c.tau, .step_size = c.eta_tau / c.tau});
    RunAnalysis analysis(c.mdp, npg, {1e-2});
    std::vector<IterationCallback*> callbacks{&analysis};
    optimize(c.mdp, solve_optimal(c.mdp), npg,
             uniform_logits(c.mdp.num_states(), c.mdp.num_actions()), {.max_iterations = 400},
             callbacks);
    const RunAnalysisResult& result = analysis.result();
    CHECK(result.convergence == ConvergenceKind::linear);
    REQUIRE(result.rate.points > 0);
    CHECK(result.rate.rate <= 1.0 - (1.0 - c.mdp.gamma()) * c.eta_tau);
  }
}

TEST_CASE("spg_entropy at its theory step increases J_tau at every step") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const double tau = 0.3 * static_cast<double>(seed);
    const Mdp mdp = random_mdp(5, 3, 0.6, seed + 60, -1.0, 1.0);
    const auto rule = make_algorithm("spg_entropy(tau=" + format_number(tau) + ")", "theory", mdp);
    CHECK(rule->nominal_step_size() == spg_entropy_theory_step(mdp, tau));
    CHECK(rule->theory_bound(mdp) == TheoryBound::none);
    const RunOutput output = run(mdp, *rule, random_logits(5, 3, seed, 2.0), 200);
    const double scale = regularised_value_scale(mdp, tau);
    CAPTURE(seed);
    for (std::size_t t = 1; t < output.rows.size(); ++t) {
      CHECK(output.rows[t].reg_suboptimality <=
            output.rows[t - 1].reg_suboptimality + 1e-13 * scale);
    }
    CHECK(output.rows.back().reg_suboptimality < output.rows.front().reg_suboptimality);
  }
}

TEST_CASE("the theory step of spg_entropy is (1 - gamma)^3 / (8 R + tau (4 + 8 log A))") {
  const Mdp mdp = random_mdp(4, 5, 0.9, 3, -1.0, 1.0);
  const double range = mdp.reward_range();
  CHECK(spg_entropy_theory_step(mdp, 0.25) ==
        doctest::Approx(0.001 / (8.0 * range + 0.25 * (4.0 + 8.0 * std::log(5.0)))).epsilon(1e-14));
}

TEST_CASE("a geometric npg_entropy step that passes 1/tau ends the run with step_invalid") {
  const Mdp mdp = random_mdp(5, 3, 0.9, 4);
  // eta_t = 0.5 * 0.9^-t > 1/tau = 1 first at t = 7.
  NpgEntropy rule(mdp, {.tau = 1.0, .step_size = 0.5, .geometric = true});
  CHECK(rule.theory_bound(mdp) == TheoryBound::none);
  const RunOutput output = run(mdp, rule, uniform_logits(5, 3), 50);
  CHECK(output.result.status == RunStatus::step_invalid);
  CHECK(output.result.iterations == 7);
  CHECK(output.result.message ==
        "npg_entropy step invalid at iteration 7: the geometric step eta_t = " +
            format_number(0.5 * std::pow(0.9, -7.0)) +
            " exceeds 1/tau = 1 (the update needs 1 - eta_t tau >= 0)");
  // The curve keeps its rows up to there, the last one with its columns.
  REQUIRE(output.rows.size() == 8);
  CHECK(std::isfinite(output.rows.back().reg_q_error_inf));
  for (int t = 0; t <= 7; ++t) CHECK(std::isnan(rule.bound_value(t)));
}

TEST_CASE("npg_entropy and spg_entropy in the registry: parameters, step rules and errors") {
  const Mdp mdp = make_five_by_five();
  const auto npg = make_algorithm("npg_entropy(tau=0.1)", "10", mdp);
  const auto& npg_rule = dynamic_cast<const NpgEntropy&>(*npg);
  CHECK(npg_rule.options().tau == 0.1);
  CHECK(npg_rule.options().step_size == 10.0);
  CHECK(npg->theory_bound(mdp) == TheoryBound::cen_entropy);
  CHECK(npg->diagnostic_names() ==
        std::vector<std::string>{"reg_suboptimality", "reg_q_error_inf"});
  CHECK(find_algorithm("npg_entropy").diagnostics == npg->diagnostic_names());
  CHECK(find_algorithm("spg_entropy").diagnostics == npg->diagnostic_names());
  CHECK(make_algorithm("npg_entropy(tau=0.1,schedule=geometric)", "1", mdp)->theory_bound(mdp) ==
        TheoryBound::none);
  const auto spg = make_algorithm("spg_entropy(tau=0.5)", "theory", mdp);
  CHECK(spg->nominal_step_size() == spg_entropy_theory_step(mdp, 0.5));
  CHECK(spg->theory_bound(mdp) == TheoryBound::none);
  CHECK(resolved_algorithm_spec("npg_entropy(tau=1e-1)") ==
        "npg_entropy(schedule=constant,tau=0.1)");

  CHECK(input_error_of([&] { make_algorithm("npg_entropy", "1", mdp); }) ==
        "npg_entropy.tau: required parameter is missing");
  CHECK(input_error_of([&] { make_algorithm("spg_entropy", "theory", mdp); }) ==
        "spg_entropy.tau: required parameter is missing");
  CHECK(input_error_of([&] { make_algorithm("npg_entropy(tau=0)", "1", mdp); }) ==
        "npg_entropy.tau: must be > 0, got 0");
  CHECK(input_error_of([&] { make_algorithm("spg_entropy(tau=-2)", "1", mdp); }) ==
        "spg_entropy.tau: must be > 0, got -2");
  CHECK(input_error_of([&] { make_algorithm("npg_entropy(tau=0.1)", "10.5", mdp); }) ==
        "step_size: must be <= 1/tau = 10 for npg_entropy (tau = 0.1; 1/tau is soft policy "
        "iteration), got 10.5");
  CHECK(input_error_of([&] { make_algorithm("npg_entropy(tau=0.1)", "theory", mdp); }) ==
        "step_size: 'theory' is not a step size of npg_entropy: expected a number > 0");
  CHECK(input_error_of([&] {
          make_algorithm("npg_entropy(tau=1e305)", "1e-306", mdp);
        }).find("tau: 1e+305 gives entropy bonuses") == 0);
  // Without an MDP, as a sweep config is checked.
  CHECK(input_error_of([] { check_algorithm("npg_entropy", "1", false); }) ==
        "npg_entropy.tau: required parameter is missing");
  CHECK_NOTHROW(check_algorithm("spg_entropy(tau=0.5)", "theory", false));
  // Constructed directly, the options are checked the same way.
  CHECK(input_error_of([&] { NpgEntropy(mdp, {.tau = 2.0, .step_size = 0.6}); }) ==
        "step_size: must be <= 1/tau = 0.5 for npg_entropy (tau = 2; 1/tau is soft policy "
        "iteration), got 0.6");
  CHECK(input_error_of([&] { SpgEntropy(mdp, {.tau = 0.0, .step_size = 1.0}); }) ==
        "tau: must be > 0 and finite, got 0");
  CHECK_NOTHROW(NpgEntropy(mdp, {.tau = 0.3, .step_size = 1.0 / 0.3}));
}
