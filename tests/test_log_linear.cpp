// Log-linear policies (docs/algorithms.md, "Log-linear policies"): one-hot features reproduce
// the tabular runs; the SPMA projection is solved to its tolerance at every iteration and from
// any start reaches the same policy; MDPO with many inner steps approaches NPG; the inner
// objectives' gradients match central finite differences of objectives written here from
// docs/theory.md; compatible NPG against a plain least-squares reference; the features' specs,
// files and errors; sparse one-hot storage at a size where dense would not fit.
#include <doctest/doctest.h>

#include <Eigen/SVD>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/state_action_table.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/registry.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::random_mdp;
using tabrl::testing::Trace;

namespace {

std::shared_ptr<const FeatureMatrix> random_feature_matrix(const Mdp& mdp, Index dim,
                                                           std::uint64_t seed) {
  return std::make_shared<const FeatureMatrix>(
      mdp.num_states(), mdp.num_actions(),
      random_features(mdp.num_states(), mdp.num_actions(), dim, seed, 1.0));
}

struct Run {
  Trace trace;
  OptimizerResult result;
};

Run run_log_linear(const Mdp& mdp, const OptimalSolution& optimal, const std::string& spec,
                   const std::string& step, std::shared_ptr<const FeatureMatrix> features,
                   int iterations) {
  Run run;
  run.trace.keep_policies = true;
  auto rule = make_log_linear_algorithm(spec, step, mdp, std::move(features));
  run.result = testing::run_from_uniform(mdp, optimal, *rule, iterations, {&run.trace});
  return run;
}

Run run_tabular(const Mdp& mdp, const OptimalSolution& optimal, const std::string& spec,
                const std::string& step, int iterations) {
  Run run;
  run.trace.keep_policies = true;
  auto rule = make_algorithm(spec, step, mdp);
  run.result = testing::run_from_uniform(mdp, optimal, *rule, iterations, {&run.trace});
  return run;
}

double max_policy_difference(const Run& a, const Run& b) {
  double worst = 0.0;
  REQUIRE(a.trace.policies.size() == b.trace.policies.size());
  for (std::size_t t = 0; t < a.trace.policies.size(); ++t) {
    worst = std::max(worst, (a.trace.policies[t] - b.trace.policies[t]).cwiseAbs().maxCoeff());
  }
  return worst;
}

double max_objective_difference(const Run& a, const Run& b) {
  double worst = 0.0;
  REQUIRE(a.trace.objectives.size() == b.trace.objectives.size());
  for (std::size_t t = 0; t < a.trace.objectives.size(); ++t) {
    worst = std::max(worst, std::abs(a.trace.objectives[t] - b.trace.objectives[t]));
  }
  return worst;
}

Evaluation evaluate(const Mdp& mdp, const StateActionMatrix& logits) {
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  evaluator.evaluate_logits(logits, evaluation);
  return evaluation;
}

StateActionMatrix logits_of(const FeatureMatrix& features, const Vector& theta) {
  StateActionMatrix z;
  features.logits(theta, z);
  return z;
}

StateActionMatrix log_softmax(const StateActionMatrix& z) {
  StateActionMatrix out(z.rows(), z.cols());
  for (Index s = 0; s < z.rows(); ++s) {
    const double shift = z.row(s).maxCoeff();
    const double normaliser = shift + std::log((z.row(s).array() - shift).exp().sum());
    out.row(s) = z.row(s).array() - normaliser;
  }
  return out;
}

// The inner objectives of docs/theory.md, written directly from their definitions.
// sMDPO/SPMA: (1/eta) sum_s d sum_a pi_t (1 + eta A) log pi_theta.
double spma_surrogate(const Evaluation& ev, const StateActionMatrix& log_p, double eta) {
  double total = 0.0;
  for (Index s = 0; s < log_p.rows(); ++s) {
    for (Index a = 0; a < log_p.cols(); ++a) {
      total += ev.visitation[s] * ev.policy(s, a) * (1.0 + eta * ev.advantage(s, a)) * log_p(s, a);
    }
  }
  return total / eta;
}

// MDPO: sum_s d (sum_a p A - KL(p || pi_t) / eta).
double mdpo_surrogate(const Evaluation& ev, const StateActionMatrix& log_p,
                      const StateActionMatrix& log_pi, double eta) {
  double total = 0.0;
  for (Index s = 0; s < log_p.rows(); ++s) {
    double inner = 0.0, kl = 0.0;
    for (Index a = 0; a < log_p.cols(); ++a) {
      const double p = std::exp(log_p(s, a));
      inner += p * ev.advantage(s, a);
      kl += p * (log_p(s, a) - log_pi(s, a));
    }
    total += ev.visitation[s] * (inner - kl / eta);
  }
  return total;
}

}  // namespace

TEST_CASE("features from Eigen's own sparse type are taken over, stored sparse") {
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> values(6, 2);
  values.insert(0, 0) = 1.0;
  values.insert(5, 1) = -2.0;
  values.makeCompressed();
  const FeatureMatrix copied(3, 2, values);
  const double* storage = values.valuePtr();
  const FeatureMatrix features(3, 2, std::move(values));
  for (const FeatureMatrix* made : {&copied, &features}) {
    CHECK(made->is_sparse());
    CHECK(made->dim() == 2);
    CHECK(made->sparse().coeff(5, 1) == -2.0);
  }
  CHECK(features.sparse().valuePtr() == storage);  // moved, not copied
}

TEST_CASE("one-hot features reproduce the tabular runs of spma, npg and spg to 1e-9") {
  for (std::uint64_t seed : {1U, 2U}) {
    const Mdp mdp = random_mdp(6, 3, 0.9, seed);
    const OptimalSolution optimal = solve_optimal(mdp);
    auto one_hot = std::make_shared<const FeatureMatrix>(FeatureMatrix::one_hot(6, 3));
    CHECK(one_hot->is_sparse());
    for (const auto& [spec, step] :
         std::vector<std::pair<std::string, std::string>>{{"spma", "0.8"},
                                                          {"npg", "2"},
                                                          {"spg", "3"},
                                                          {"spma", "safe"},
                                                          {"spg(schedule=geometric)", "0.5"}}) {
      CAPTURE(spec);
      const Run tabular = run_tabular(mdp, optimal, spec, step, 60);
      const Run features = run_log_linear(mdp, optimal, spec, step, one_hot, 60);
      CHECK(features.result.status == tabular.result.status);
      CHECK(max_objective_difference(tabular, features) <= 1e-9);
      CHECK(max_policy_difference(tabular, features) <= 1e-9);
      CHECK(features.result.theta.size() == 18);
    }
    // The inner-step variants reproduce their tabular counterparts too: spma(inner_steps) is
    // smdpo, and mdpo is mdpo.
    const Run smdpo =
        run_tabular(mdp, optimal, "smdpo(inner_steps=5,inner_step_size=0.5)", "1", 40);
    const Run spma_inner =
        run_log_linear(mdp, optimal, "spma(inner_steps=5,inner_step_size=0.5)", "1", one_hot, 40);
    CHECK(max_policy_difference(smdpo, spma_inner) <= 1e-12);
    const Run mdpo = run_tabular(mdp, optimal, "mdpo(inner_steps=5,inner_step_size=0.5)", "1", 40);
    const Run mdpo_features =
        run_log_linear(mdp, optimal, "mdpo(inner_steps=5,inner_step_size=0.5)", "1", one_hot, 40);
    CHECK(max_policy_difference(mdpo, mdpo_features) <= 1e-12);
  }
}

TEST_CASE("dense one-hot features (a feature file) follow the dense path to the same runs") {
  const Mdp mdp = random_mdp(5, 3, 0.8, 4);
  const OptimalSolution optimal = solve_optimal(mdp);
  // The identity plus a column 1, 2, ..., 15: stored dense (density 30/240 > 0.1), k = S A + 1,
  // rank S A, so the policy class is still every softmax policy.
  Eigen::MatrixXd values = Eigen::MatrixXd::Zero(15, 16);
  values.leftCols(15).setIdentity();
  for (Index row = 0; row < 15; ++row) values(row, 15) = static_cast<double>(row + 1);
  auto features = std::make_shared<const FeatureMatrix>(5, 3, values);
  CHECK_FALSE(features->is_sparse());
  for (const auto& [spec, step] : std::vector<std::pair<std::string, std::string>>{
           {"spma", "0.5"}, {"npg", "1"}, {"spg", "2"}}) {
    CAPTURE(spec);
    const Run tabular = run_tabular(mdp, optimal, spec, step, 40);
    const Run loglinear = run_log_linear(mdp, optimal, spec, step, features, 40);
    if (spec == "spg") {
      // SPG moves theta, not z, along the gradient: the extra column changes the geometry.
      CHECK(max_policy_difference(tabular, loglinear) > 1e-6);
    } else {
      CHECK(max_policy_difference(tabular, loglinear) <= 1e-9);
    }
  }
}

// The rounding floor of the projection's gradient as docs/theory.md defines it, written here
// from the definition: 16 units of roundoff times |(|X|^T vec(m))|_2, m the magnitudes of the
// terms of the logit gradient d (pi_t (1 + eta A) - p) / eta at the solve's end p = pi_{t+1}.
double independent_floor(const FeatureMatrix& features, const Evaluation& ev,
                         const StateActionMatrix& next_policy, double eta) {
  StateActionMatrix m(next_policy.rows(), next_policy.cols());
  for (Index s = 0; s < m.rows(); ++s) {
    for (Index a = 0; a < m.cols(); ++a) {
      m(s, a) = ev.visitation[s] / eta *
                (ev.policy(s, a) * (1.0 + eta * std::abs(ev.advantage(s, a))) + next_policy(s, a));
    }
  }
  Eigen::MatrixXd x = features.is_sparse() ? Eigen::MatrixXd(features.sparse()) : features.dense();
  const Vector terms = x.cwiseAbs().transpose() * Eigen::Map<const Vector>(m.data(), m.size());
  return 16.0 * std::numeric_limits<double>::epsilon() * terms.norm();
}

// Records what an iteration's projection started from and reported, to check after the run
// against the next iteration's policy.
struct ProjectionLog final : IterationCallback {
  std::vector<Evaluation> evaluations;
  std::vector<std::vector<double>> diagnostics;
  CallbackAction on_iteration(const IterationSummary& summary) override {
    evaluations.push_back(summary.evaluation);
    diagnostics.emplace_back(summary.diagnostics.begin(), summary.diagnostics.end());
    return CallbackAction::proceed;
  }
};

TEST_CASE(
    "the exact SPMA projection meets its tolerance or its rounding floor at every iteration") {
  const Mdp mdp = random_mdp(8, 4, 0.9, 7);
  const OptimalSolution optimal = solve_optimal(mdp);
  for (Index dim : {3, 10, 32}) {
    CAPTURE(dim);
    auto features = random_feature_matrix(mdp, dim, 11);
    LogLinearRule rule(features, {.method = LogLinearMethod::spma, .step_size = 0.5});
    ProjectionLog log;
    const OptimizerResult result = testing::run_from_uniform(mdp, optimal, rule, 50, {&log});
    CHECK(result.status == RunStatus::max_iterations);
    int floor_stops = 0;
    for (std::size_t t = 0; t + 1 < log.evaluations.size(); ++t) {
      CAPTURE(t);
      const Evaluation& ev = log.evaluations[t];
      // An independent check of the reported gradient norm: grad L_t at theta_t is
      // X^T vec(d pi A), so the tolerance is 1e-12 of that ...
      StateActionMatrix g = ev.policy.cwiseProduct(ev.advantage);
      for (Index s = 0; s < g.rows(); ++s) g.row(s) *= ev.visitation[s];
      Vector initial;
      features->pull_back(g, initial);
      const double reached = log.diagnostics[t][1];
      const double floor = log.diagnostics[t][3];
      CHECK(log.diagnostics[t][2] >= 1);
      CHECK(log.diagnostics[t][2] <= 30);
      if (std::isnan(floor)) {
        CHECK(reached / initial.norm() <= 1e-12);
      } else {
        // ... or the solve ended at the floor, the one of the definition, above the tolerance.
        ++floor_stops;
        CHECK(reached <= floor);
        CHECK(floor > 1e-12 * initial.norm());
        const double expected =
            independent_floor(*features, ev, log.evaluations[t + 1].policy, 0.5);
        CHECK(std::abs(floor - expected) <= 1e-6 * expected);
      }
    }
    // The floor is the exception: the tolerance ends most solves.
    CHECK(floor_stops <= 5);
  }
}

TEST_CASE("late in a long run the projection stops at its rounding floor, not at the step cap") {
  // cliff_world with one-hot features at the safe step: from about iteration 150 on, 1e-12 of
  // the initial gradient lies below the rounding error of the gradient itself, and Newton ran
  // into its cap of 100 steps at most iterations (before the floor was introduced).
  const Mdp mdp = make_builtin_mdp("cliff_world");
  const OptimalSolution optimal = solve_optimal(mdp);
  const Index states = mdp.num_states(), actions = mdp.num_actions();
  auto one_hot = std::make_shared<const FeatureMatrix>(FeatureMatrix::one_hot(states, actions));
  auto rule = make_log_linear_algorithm("spma", "safe", mdp, one_hot);
  const double eta = rule->nominal_step_size();
  ProjectionLog log;
  Trace trace;
  trace.keep_policies = true;
  const OptimizerResult result =
      testing::run_from_uniform(mdp, optimal, *rule, 400, {&log, &trace});
  CHECK(result.status == RunStatus::max_iterations);
  int floor_stops = 0;
  for (std::size_t t = 0; t < log.diagnostics.size(); ++t) {
    CAPTURE(t);
    CHECK(log.diagnostics[t][2] < 30);
    if (!std::isnan(log.diagnostics[t][3])) ++floor_stops;
  }
  CHECK(floor_stops > 50);  // the floor does end many of the late solves
  // The late projections are optimal to the floor: with one-hot features the maximiser of L_t is
  // the normalised tabular target pi_t (1 + eta A_t), and the optimality (KKT) condition of
  // L_t in the logits, d (w - (sum_a w) p) / eta = 0 with w = pi_t (1 + eta A_t), holds to the
  // floor.
  for (std::size_t t = 350; t + 1 < log.evaluations.size(); ++t) {
    CAPTURE(t);
    const Evaluation& ev = log.evaluations[t];
    const StateActionMatrix& next = trace.policies[t + 1];
    const double floor = independent_floor(*one_hot, ev, next, eta);
    double kkt = 0.0, policy_error = 0.0;
    for (Index s = 0; s < states; ++s) {
      const Eigen::RowVectorXd w =
          ev.policy.row(s).array() * (1.0 + eta * ev.advantage.row(s).array());
      const double total = w.sum();
      for (Index a = 0; a < actions; ++a) {
        const double residual = ev.visitation[s] * (w[a] - total * next(s, a)) / eta;
        kkt += residual * residual;
        policy_error = std::max(policy_error, std::abs(next(s, a) - w[a] / total));
      }
    }
    // The residual computed here, as a difference of terms of size d pi / eta, has a rounding
    // error of the floor's size itself: the two together bound it.
    CHECK(std::sqrt(kkt) <= 2.0 * floor);
    CHECK(policy_error <= 1e-12);
  }
}

TEST_CASE("the SPMA projection reaches the same policy from any start") {
  const Mdp mdp = random_mdp(7, 3, 0.9, 21);
  // k = 30 > S A = 21: theta is unique only up to the null space of X, the policy is unique.
  for (Index dim : {4, 12, 30}) {
    CAPTURE(dim);
    auto features = random_feature_matrix(mdp, dim, 5);
    LogLinearRule rule(features, {.method = LogLinearMethod::spma, .step_size = 1.0});
    Random random(3);
    Vector theta_t(dim);
    for (Index j = 0; j < dim; ++j) theta_t[j] = 0.3 * random.normal();
    const StateActionMatrix z_t = logits_of(*features, theta_t);
    const Evaluation ev = evaluate(mdp, z_t);
    const auto reference = rule.spma_projection(ev, 1.0, Vector::Zero(dim));
    CHECK(reference.gradient_norm <= 1e-12 * reference.initial_norm);
    const StateActionMatrix policy = log_softmax(logits_of(*features, theta_t + reference.delta));
    for (int start = 0; start < 5; ++start) {
      Vector from(dim);
      for (Index j = 0; j < dim; ++j) from[j] = 3.0 * random.normal();
      const auto projection = rule.spma_projection(ev, 1.0, from);
      CAPTURE(start);
      CAPTURE(projection.iterations);
      CHECK(projection.gradient_norm <= 1e-12 * projection.initial_norm);
      const StateActionMatrix other = log_softmax(logits_of(*features, theta_t + projection.delta));
      CHECK((other.array().exp() - policy.array().exp()).abs().maxCoeff() <= 1e-10);
      if (dim < 21) CHECK((projection.delta - reference.delta).norm() <= 1e-8);
    }
  }
}

TEST_CASE("MDPO with many inner steps and one-hot features approaches NPG") {
  const Mdp mdp = random_mdp(5, 3, 0.9, 9);
  const OptimalSolution optimal = solve_optimal(mdp);
  auto one_hot = std::make_shared<const FeatureMatrix>(FeatureMatrix::one_hot(5, 3));
  // Few outer iterations at a moderate step: the probabilities stay away from 0, where the
  // inner steps' curvature (and so their convergence) vanishes.
  const Run npg = run_log_linear(mdp, optimal, "npg", "0.5", one_hot, 5);
  double previous = std::numeric_limits<double>::infinity();
  for (int m : {5, 50, 30000}) {
    CAPTURE(m);
    const Run mdpo = run_log_linear(mdp, optimal,
                                    "mdpo(inner_steps=" + std::to_string(m) + ",inner_step_size=3)",
                                    "0.5", one_hot, 5);
    const double gap = max_policy_difference(npg, mdpo);
    CHECK(gap < previous);
    previous = gap;
  }
  CHECK(previous <= 1e-9);
}

TEST_CASE("the inner objectives' gradients match central finite differences") {
  const Mdp mdp = random_mdp(6, 3, 0.9, 13);
  auto features = random_feature_matrix(mdp, 5, 17);
  Random random(8);
  Vector theta_t(5), theta(5);
  for (Index j = 0; j < 5; ++j) {
    theta_t[j] = 0.5 * random.normal();
    theta[j] = theta_t[j] + 0.4 * random.normal();
  }
  const StateActionMatrix z_t = logits_of(*features, theta_t);
  const Evaluation ev = evaluate(mdp, z_t);
  const StateActionMatrix log_pi = log_softmax(z_t);
  const double eta = 0.7;
  const double h = 1e-5;
  const auto central = [&](const auto& objective, Index j) {
    Vector plus = theta, minus = theta;
    plus[j] += h;
    minus[j] -= h;
    return (objective(plus) - objective(minus)) / (2.0 * h);
  };
  // SPMA's exact objective (as L_t(theta) - L_t(theta_t)) and the spma(inner_steps) gradient.
  {
    LogLinearRule rule(features, {.method = LogLinearMethod::spma_inner_steps,
                                  .step_size = eta,
                                  .inner_steps = 1,
                                  .inner_step_size = 1.0});
    const auto objective = [&](const Vector& x) {
      return spma_surrogate(ev, log_softmax(logits_of(*features, x)), eta);
    };
    Vector analytic, exact_gradient;
    rule.inner_gradient(ev, z_t, eta, theta, analytic);
    const double difference = rule.spma_objective(ev, eta, theta - theta_t, exact_gradient);
    CHECK(difference == doctest::Approx(objective(theta) - objective(theta_t)).epsilon(1e-10));
    for (Index j = 0; j < 5; ++j) {
      CAPTURE(j);
      const double fd = central(objective, j);
      CHECK(analytic[j] == doctest::Approx(fd).epsilon(1e-6));
      CHECK(exact_gradient[j] == doctest::Approx(fd).epsilon(1e-6));
    }
  }
  {
    LogLinearRule rule(features, {.method = LogLinearMethod::mdpo,
                                  .step_size = eta,
                                  .inner_steps = 1,
                                  .inner_step_size = 1.0});
    const auto objective = [&](const Vector& x) {
      return mdpo_surrogate(ev, log_softmax(logits_of(*features, x)), log_pi, eta);
    };
    Vector analytic;
    rule.inner_gradient(ev, z_t, eta, theta, analytic);
    for (Index j = 0; j < 5; ++j) {
      CAPTURE(j);
      CHECK(analytic[j] == doctest::Approx(central(objective, j)).epsilon(1e-6));
    }
  }
}

TEST_CASE("compatible NPG matches a least-squares fit by SVD, and reports its rank") {
  const Mdp mdp = random_mdp(6, 4, 0.9, 31);
  const OptimalSolution optimal = solve_optimal(mdp);
  for (Index dim : {3, 9, 30}) {
    CAPTURE(dim);
    auto features = random_feature_matrix(mdp, dim, 2);
    const Run run = run_log_linear(mdp, optimal, "npg", "0.7", features, 2);
    // Iterate 1's theta = 0.7 w_0 with w_0 the minimum-norm fit at the uniform policy.
    const Evaluation ev = evaluate(mdp, StateActionMatrix::Zero(6, 4));
    Eigen::MatrixXd design(24, dim);
    Vector target(24);
    const Eigen::MatrixXd& x = features->dense();
    for (Index s = 0; s < 6; ++s) {
      const Eigen::RowVectorXd mean = ev.policy.row(s) * x.middleRows(s * 4, 4);
      for (Index a = 0; a < 4; ++a) {
        const double weight = std::sqrt(ev.visitation[s] * ev.policy(s, a));
        design.row(s * 4 + a) = weight * (x.row(s * 4 + a) - mean);
        target[s * 4 + a] = weight * ev.advantage(s, a);
      }
    }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(design, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Vector w = svd.solve(target);
    const Vector expected_theta = 0.7 * w;
    REQUIRE(run.trace.diagnostics.size() == 3);
    // The rank: min(k, S (A - 1)) for generic features (centring removes one direction per state).
    CHECK(run.trace.diagnostics[0][3] == static_cast<double>(std::min<Index>(dim, 18)));
    CHECK(run.trace.diagnostics[0][0] ==
          doctest::Approx((design * w - target).squaredNorm()).epsilon(1e-9));
    // theta_1 = 0.7 w_0.
    const Run one = run_log_linear(mdp, optimal, "npg", "0.7", features, 1);
    CHECK((one.result.theta - expected_theta).norm() <= 1e-10 * (1.0 + expected_theta.norm()));
  }
}

TEST_CASE("SPMA with 1 + eta A <= 0 ends with step_invalid, naming the step, state and action") {
  const Mdp mdp = random_mdp(5, 3, 0.9, 3, 0.0, 1.0);
  const OptimalSolution optimal = solve_optimal(mdp);
  const Run run = run_log_linear(mdp, optimal, "spma", "100", random_feature_matrix(mdp, 4, 1), 50);
  CHECK(run.result.status == RunStatus::step_invalid);
  CHECK(run.result.message.find("at iteration 0") != std::string::npos);
  CHECK(run.result.message.find("state ") != std::string::npos);
  CHECK(run.result.message.find("action ") != std::string::npos);
  CHECK(run.trace.objectives.size() == 1);  // iterate 0's row is kept
  // The message gives the largest valid step of that iteration, 1 / max(-A) over negative A,
  // and a step just below it is valid there (just above it is not: the 100 above).
  PolicyEvaluator evaluator(mdp);
  Evaluation first;
  evaluator.evaluate_logits(StateActionMatrix::Zero(5, 3), first);
  const double largest = 1.0 / -first.advantage.minCoeff();
  CAPTURE(run.result.message);
  CHECK(run.result.message.find("eta < 1 / max(-A) = " + format_number(largest)) !=
        std::string::npos);
  const Run below = run_log_linear(mdp, optimal, "spma", format_number(0.999 * largest),
                                   random_feature_matrix(mdp, 4, 1), 1);
  CHECK(below.result.status == RunStatus::max_iterations);
  // The inner-step variant has no such condition.
  const Run inner = run_log_linear(mdp, optimal, "spma(inner_steps=3,inner_step_size=0.1)", "100",
                                   random_feature_matrix(mdp, 4, 1), 5);
  CHECK(inner.result.status == RunStatus::max_iterations);
}

TEST_CASE("random features are the project's normal sampler, column by column, and nested") {
  const Eigen::MatrixXd x = random_features(2, 3, 4, 9, 2.0);
  Random random(9);
  for (Index j = 0; j < 4; ++j) {
    for (Index row = 0; row < 6; ++row) CHECK(x(row, j) == 2.0 * random.normal());
  }
  // random(dim=2) is the first two columns of random(dim=4) with the same seed and scale.
  const Eigen::MatrixXd smaller = random_features(2, 3, 2, 9, 2.0);
  CHECK(smaller == x.leftCols(2));
  CHECK(resolved_features("random(dim=4)") == "random(dim=4,scale=1,seed=0)");
  CHECK(resolved_features("one_hot") == "one_hot");
}

TEST_CASE("feature specs and files: the errors") {
  const Mdp mdp = random_mdp(2, 2, 0.9, 1);
  CHECK(input_error_of([&] { check_features("random(dim=0)"); }).find("dim") != std::string::npos);
  CHECK(input_error_of([&] { check_features("random(dim=2.5)"); }).find("random.dim") !=
        std::string::npos);
  CHECK(input_error_of([&] { check_features("random"); }).find("required") != std::string::npos);
  CHECK(input_error_of([&] { check_features("onehot"); }).find("one_hot") != std::string::npos);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tabrl_features_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto error_of_file = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return input_error_of([&] { make_features(path, mdp); });
  };
  const std::string good = "state,action,f0,f1\n0,0,1,0\n0,1,0,1\n1,0,1,1\n1,1,0.5,2\n";
  CHECK(error_of_file("good.csv", good) == "(no error)");
  const std::string nan =
      error_of_file("nan.csv", "state,action,f0\n0,0,1\n0,1,nan\n1,0,1\n1,1,0\n");
  CHECK(nan.find("nan.csv:3") != std::string::npos);
  const std::string missing =
      error_of_file("missing.csv", "state,action,f0\n0,0,1\n0,1,1\n1,0,1\n");
  CHECK(missing.find("no row for state 1, action 1") != std::string::npos);
  const std::string duplicate =
      error_of_file("duplicate.csv", "state,action,f0\n0,0,1\n0,1,1\n1,0,1\n0,0,2\n1,1,1\n");
  CHECK(duplicate.find("duplicate.csv:5") != std::string::npos);
  const std::string short_row =
      error_of_file("short.csv", "state,action,f0,f1\n0,0,1,0\n0,1,1\n1,0,1,1\n1,1,1,1\n");
  CHECK(short_row.find("short.csv:3") != std::string::npos);
  const std::string extra_state =
      error_of_file("state.csv", "state,action,f0\n0,0,1\n0,1,1\n1,0,1\n1,1,1\n2,0,1\n");
  CHECK(extra_state.find("state.csv:6") != std::string::npos);
  const std::string no_features = error_of_file("none.csv", "state,action\n0,0\n");
  CHECK(no_features.find("none.csv:1") != std::string::npos);
  const std::string names = error_of_file("names.csv", "state,action,g0\n0,0,1\n");
  CHECK(names.find("f0") != std::string::npos);
  // Without the MDP (a sweep before its runs): the same errors, except those of the names and
  // the pairs. The rows come in file order.
  const auto check_error = [&](const std::string& name) {
    return input_error_of([&] { check_feature_file((dir / name).string(), nullptr); });
  };
  CHECK(check_error("good.csv") == "(no error)");
  CHECK(check_error("nan.csv") == nan);
  CHECK(check_error("short.csv") == short_row);
  CHECK(check_error("none.csv") == no_features);
  CHECK(check_error("names.csv") == names);
  for (const char* needs_mdp : {"missing.csv", "duplicate.csv", "state.csv"}) {
    CHECK(check_error(needs_mdp) == "(no error)");
  }
  const StateActionTable in_file_order = check_state_action_table(
      (dir / "good.csv").string(), [](const std::vector<std::string>&) { return std::string(); });
  CHECK(in_file_order.values.rows() == 4);
  CHECK(in_file_order.values(3, 0) == 0.5);
  CHECK(in_file_order.values(3, 1) == 2.0);
  CHECK(in_file_order.values(1, 1) == 1.0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("only spma, npg, spg and mdpo take features, and the others say which do") {
  const Mdp mdp = random_mdp(2, 2, 0.9, 1);
  auto features = random_feature_matrix(mdp, 2, 1);
  const std::string apg =
      input_error_of([&] { make_log_linear_algorithm("apg", "1", mdp, features); });
  CHECK(apg.find("apg does not support features (log-linear policies)") != std::string::npos);
  CHECK(apg.find("spma, npg, spg, mdpo") != std::string::npos);
  // The library's messages name no command-line option: Python and sweeps read them too.
  CHECK(apg.find("--") == std::string::npos);
  const std::string gap =
      input_error_of([&] { make_log_linear_algorithm("spma", "gap", mdp, features); });
  CHECK(gap.find("tabular only") != std::string::npos);
  CHECK(gap.find("--") == std::string::npos);
  CHECK(input_error_of([&] {
          make_log_linear_algorithm("spma(clip=true)", "1", mdp, features);
        }).find("clip") != std::string::npos);
  CHECK(input_error_of([&] {
          make_log_linear_algorithm("spma(inner_steps=3)", "1", mdp, features);
        }).find("inner_step_size") != std::string::npos);
  CHECK(resolved_log_linear_spec("spma") ==
        "spma(inner_step_size=0,inner_steps=0,schedule=constant)");
  // A resolved spec (every default written out) is accepted as it is: sweeps build from it.
  CHECK(input_error_of([&] {
          make_log_linear_algorithm(resolved_log_linear_spec("spma"), "1", mdp, features);
        }) == "(no error)");
  CHECK(input_error_of([&] {
          make_log_linear_algorithm("spma(inner_step_size=0.5)", "1", mdp, features);
        }).find("applies only with inner_steps >= 1") != std::string::npos);
}

TEST_CASE("one-hot features at S = 1e4 are stored sparse and run exact spma and npg") {
  const Index states = 10000, actions = 4;
  const FeatureMatrix big = FeatureMatrix::one_hot(100000, 8);
  CHECK(big.is_sparse());
  CHECK(big.stored_entries() == 800000);
  // k = S A = 40000: a dense k x k Hessian would take 12.8 GB; the sparse path needs none.
  const Mdp mdp = make_garnet(states, actions, 3, 5, 0.9);
  const OptimalSolution optimal = solve_optimal(mdp);
  auto one_hot = std::make_shared<const FeatureMatrix>(FeatureMatrix::one_hot(states, actions));
  for (const std::string spec : {"spma", "npg"}) {
    CAPTURE(spec);
    const Run tabular = run_tabular(mdp, optimal, spec, "1", 3);
    const Run features = run_log_linear(mdp, optimal, spec, "1", one_hot, 3);
    CHECK(max_policy_difference(tabular, features) <= 1e-9);
    // npg solved by conjugate gradients reports no rank; spma its Newton steps.
    if (spec == "npg") CHECK(std::isnan(features.trace.diagnostics[0][3]));
    if (spec == "spma") CHECK(features.trace.diagnostics[0][2] >= 1);
  }
}

TEST_CASE("log-linear runs are bit for bit the same on 1 and 2 threads") {
  // Large enough for every parallel loop of the projection: the fused objective pass, the
  // chunked Hessian, |X|^T m and the logits (core/features.hpp).
  const Mdp mdp = make_garnet(2000, 4, 3, 8, 0.9);
  const OptimalSolution optimal = solve_optimal(mdp);
  auto features = random_feature_matrix(mdp, 40, 3);
  const int threads = thread_count();
  std::vector<Run> runs;
  for (int count : {1, 2}) {
    set_thread_count(count);
    runs.push_back(run_log_linear(mdp, optimal, "spma", "0.05", features, 4));
  }
  set_thread_count(threads);
  for (std::size_t t = 0; t < runs[0].trace.policies.size(); ++t) {
    CHECK((runs[0].trace.policies[t].array() == runs[1].trace.policies[t].array()).all());
    for (std::size_t j = 0; j < 3; ++j) {
      CHECK(runs[0].trace.diagnostics[t][j] == runs[1].trace.diagnostics[t][j]);
    }
  }
  CHECK(runs[0].result.theta == runs[1].result.theta);
}

TEST_CASE("spma's inner_step_size messages state its rule, > 0 with inner_steps >= 1") {
  const auto error = [](const std::string& spec) {
    return input_error_of([&] { check_log_linear_algorithm(spec, "1", false); });
  };
  for (const std::string alpha : {"-1", "0"}) {
    CAPTURE(alpha);
    const std::string message = error("spma(inner_steps=2,inner_step_size=" + alpha + ")");
    CHECK(message.find("spma.inner_step_size: must be > 0 with inner_steps >= 1") !=
          std::string::npos);
    CHECK(message.find("got " + alpha) != std::string::npos);
    CHECK(message.find(">= 0") == std::string::npos);
  }
  CHECK(error("spma(inner_step_size=-1)").find("applies only with inner_steps >= 1") !=
        std::string::npos);
  CHECK(error("mdpo(inner_steps=2,inner_step_size=0)").find("must be > 0") != std::string::npos);
  CHECK(error("spma(inner_steps=2,inner_step_size=0.5)") == "(no error)");
  CHECK(error("spma") == "(no error)");
}

TEST_CASE("projection_error is a sum of non-negative terms, never below zero") {
  // With one-hot features the target is representable and the error is zero up to rounding:
  // written as sum t log(t / p) it came out as -1e-17 at times; as sum t (x + expm1(-x)),
  // x = log(t / p), every term is >= 0.
  const Mdp mdp = make_builtin_mdp("cliff_world");
  const OptimalSolution optimal = solve_optimal(mdp);
  auto one_hot = std::make_shared<const FeatureMatrix>(
      FeatureMatrix::one_hot(mdp.num_states(), mdp.num_actions()));
  for (const std::string spec : {"spma", "spma(inner_steps=3,inner_step_size=0.5)"}) {
    CAPTURE(spec);
    const Run run = run_log_linear(mdp, optimal, spec, "safe", one_hot, 100);
    double largest = 0.0;
    for (const std::vector<double>& row : run.trace.diagnostics) {
      CHECK(row[0] >= 0.0);
      largest = std::max(largest, row[0]);
    }
    if (spec == "spma") CHECK(largest <= 1e-12);
  }
  // The same value as the direct form sum_s d sum_a t log(t / p) where the error is large
  // (random features, k = 3).
  const Mdp small = random_mdp(6, 3, 0.9, 2);
  auto rule = make_log_linear_algorithm("spma", "0.5", small, random_feature_matrix(small, 3, 4));
  ProjectionLog log;
  Trace trace;
  trace.keep_policies = true;
  testing::run_from_uniform(small, solve_optimal(small), *rule, 5, {&log, &trace});
  for (std::size_t t = 0; t + 1 < log.evaluations.size(); ++t) {
    CAPTURE(t);
    const Evaluation& ev = log.evaluations[t];
    double direct = 0.0;
    for (Index s = 0; s < 6; ++s) {
      for (Index a = 0; a < 3; ++a) {
        const double target = ev.policy(s, a) * (1.0 + 0.5 * ev.advantage(s, a));
        direct += ev.visitation[s] * target * std::log(target / trace.policies[t + 1](s, a));
      }
    }
    CHECK(direct > 1e-6);
    CHECK(std::abs(log.diagnostics[t][0] - direct) <= 1e-9 * direct);
  }
}

TEST_CASE(
    "a visitation of -1e-18 (an unreachable state solved to rounding) keeps the Hessian finite") {
  // cliff_world's unreachable states: before the clamp, sqrt(d p) of such a state was NaN, the
  // Hessian NaN, the Newton direction 0, and the run froze at iteration 52 (random(dim=64)).
  const Mdp mdp = random_mdp(3, 2, 0.9, 5);
  const FeatureMatrix features(3, 2, random_features(3, 2, 2, 7, 1.0));
  StateActionMatrix p(3, 2);
  p << 0.3, 0.7, 0.5, 0.5, 0.9, 0.1;
  Vector c(3), clamped(3);
  c << 0.5, -1e-18, 0.25;
  clamped << 0.5, 0.0, 0.25;
  Eigen::MatrixXd gram, reference;
  features.weighted_gram(p, c, gram);
  features.weighted_gram(p, clamped, reference);
  CHECK(gram.allFinite());
  CHECK(gram == reference);
  Eigen::MatrixXd design, design_reference;
  features.weighted_design(p, c, design);
  features.weighted_design(p, clamped, design_reference);
  CHECK(design == design_reference);
}

TEST_CASE("cliff_world with random(dim=64): every projection meets its stopping rule") {
  const Mdp mdp = make_cliff_world(0.9);
  const OptimalSolution optimal = solve_optimal(mdp);
  const auto features = std::make_shared<const FeatureMatrix>(
      mdp.num_states(), mdp.num_actions(),
      random_features(mdp.num_states(), mdp.num_actions(), 64, 1, 0.125));
  const Run run = run_log_linear(mdp, optimal, "spma", "0.009", features, 60);
  const std::size_t unmet = 4;  // projection_error, inner_gradient_norm, inner_iterations,
                                // inner_floor, inner_unmet
  for (std::size_t t = 0; t + 1 < run.trace.diagnostics.size(); ++t) {
    CAPTURE(t);
    REQUIRE(run.trace.diagnostics[t].size() == 5);
    CHECK(run.trace.diagnostics[t][unmet] == 0.0);
    CHECK(run.trace.diagnostics[t][2] >= 1.0);  // theta moved: at least one Newton step
  }
}

TEST_CASE("exact SPMA's projection does not depend on the features' scale") {
  // Features scaled by a power of two c: the Hessian scales by c^2, the gradient by c, and the
  // regularisation sigma |grad| by c^2 as well, so every Newton step is the same with theta
  // scaled by 1/c, and the curves are bit for bit the same while no product is subnormal. With
  // |grad| I alone, features of size 1e-5 took 100 Newton steps and stalled with every projection
  // unmet (a probe).
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  const Eigen::MatrixXd x = random_features(mdp.num_states(), mdp.num_actions(), 3, 1, 1.0);
  const Run unit = run_log_linear(mdp, optimal, "spma", "0.05",
                                  std::make_shared<const FeatureMatrix>(5, 5, x), 200);
  const std::size_t unmet = 4;
  for (const double scale :
       {std::ldexp(1.0, -17), std::ldexp(1.0, -300), std::ldexp(1.0, -340), std::ldexp(1.0, 200)}) {
    CAPTURE(scale);
    const bool representable = scale >= kSmallestFeatureScale;
    const auto scaled = std::make_shared<const FeatureMatrix>(5, 5, Eigen::MatrixXd(scale * x));
    if (!representable) {
      CHECK(input_error_of([&] {
              make_log_linear_algorithm("spma", "0.05", mdp, scaled);
            }).find("below 1e-100") != std::string::npos);
      continue;
    }
    const Run run = run_log_linear(mdp, optimal, "spma", "0.05", scaled, 200);
    if (scale >= 1e-60) {
      CHECK(run.trace.suboptimalities == unit.trace.suboptimalities);
    } else {
      // Products of three small factors (x x p) reach subnormal numbers and lose bits there:
      // the curves agree to the projection's tolerance (measured: 6.5e-14 at 2^-300).
      REQUIRE(run.trace.suboptimalities.size() == unit.trace.suboptimalities.size());
      for (std::size_t t = 0; t < run.trace.suboptimalities.size(); ++t) {
        CHECK(std::abs(run.trace.suboptimalities[t] - unit.trace.suboptimalities[t]) <=
              1e-12 * mdp.value_scale());
      }
    }
    for (const auto& row : run.trace.diagnostics) CHECK(row[unmet] == 0.0);
  }
  // Features of any scale within the limits still converge; all-zero features are allowed (the
  // policy cannot move).
  const auto zero =
      std::make_shared<const FeatureMatrix>(5, 5, Eigen::MatrixXd::Zero(25, 3).eval());
  const Run still = run_log_linear(mdp, optimal, "spma", "0.05", zero, 3);
  CHECK(still.trace.suboptimalities.front() == still.trace.suboptimalities.back());
}
