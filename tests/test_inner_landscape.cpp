// The inner problems of log-linear SPMA and MDPO at one iterate: the objectives against finite
// differences and against LogLinearRule, SPMA's concavity in practice (one landing policy from
// every start) and a constructed case where MDPO's ascent lands at two different policies.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include <tabrl/algorithms/inner_landscape.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;

namespace {

Evaluation evaluate_logits(const Mdp& mdp, const StateActionMatrix& logits) {
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  evaluator.evaluate_logits(logits, evaluation);
  return evaluation;
}

Eigen::MatrixXd normal_matrix(Index rows, Index cols, std::uint64_t seed) {
  Random random(seed);
  Eigen::MatrixXd x(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) x(i, j) = random.normal();
  return x;
}

std::vector<Vector> normal_starts(int count, Index dim, double scale, std::uint64_t seed) {
  Random random(seed);
  std::vector<Vector> starts;
  for (int i = 0; i < count; ++i) {
    Vector v(dim);
    for (Index j = 0; j < dim; ++j) v[j] = scale * random.normal();
    starts.push_back(v);
  }
  return starts;
}

}  // namespace

TEST_CASE("inner objectives: gradients match central differences and LogLinearRule's") {
  const Mdp mdp = random_mdp(5, 3, 0.9, 7);
  const FeatureMatrix features(5, 3, normal_matrix(15, 4, 3));
  // An iterate away from uniform: theta_t = (0.3, -0.2, 0.5, 0.1).
  Vector theta_t(4);
  theta_t << 0.3, -0.2, 0.5, 0.1;
  StateActionMatrix z_t;
  features.logits(theta_t, z_t);
  const Evaluation evaluation = evaluate_logits(mdp, z_t);
  const double eta = 0.7;
  const Vector theta = theta_t + Vector::Constant(4, 0.25);
  for (const InnerObjective objective : {InnerObjective::spma, InnerObjective::mdpo}) {
    Vector gradient, unused;
    inner_objective_value(objective, features, evaluation, eta, theta, gradient);
    for (Index j = 0; j < 4; ++j) {
      const double h = 1e-6;
      Vector plus = theta, minus = theta;
      plus[j] += h;
      minus[j] -= h;
      const double difference =
          (inner_objective_value(objective, features, evaluation, eta, plus, unused) -
           inner_objective_value(objective, features, evaluation, eta, minus, unused)) /
          (2 * h);
      CHECK(gradient[j] == doctest::Approx(difference).epsilon(1e-6));
    }
  }
  // MDPO's gradient is the one the rule steps along (its inner loop).
  LogLinearRule mdpo(std::make_shared<const FeatureMatrix>(features),
                     {.method = LogLinearMethod::mdpo,
                      .step_size = eta,
                      .inner_steps = 1,
                      .inner_step_size = 0.1});
  Vector rule_gradient, ours;
  mdpo.inner_gradient(evaluation, z_t, eta, theta, rule_gradient);
  inner_objective_value(InnerObjective::mdpo, features, evaluation, eta, theta, ours);
  CHECK((rule_gradient - ours).norm() <= 1e-12 * (1.0 + ours.norm()));
}

TEST_CASE("SPMA's inner problem lands at one policy from every start") {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    const Mdp mdp = random_mdp(6, 4, 0.9, seed);
    const FeatureMatrix features(6, 4, normal_matrix(24, 5, seed + 10));
    const Evaluation evaluation = evaluate_logits(mdp, StateActionMatrix::Zero(6, 4));
    const InnerLandscape landscape = explore_inner_landscape(
        InnerObjective::spma, features, evaluation, 1.0, normal_starts(8, 5, 3.0, seed));
    for (const InnerLanding& landing : landscape.landings) CHECK(landing.converged);
    CHECK(landscape.distinct == 1);
    CHECK(landscape.policy_spread <= 1e-6);
  }
}

TEST_CASE("MDPO's inner problem can land at two policies: a 3-armed bandit, one feature") {
  // Means (1, 0, 0.9) and phi = (-1, 0, 1): the policy class is the curve softmax(theta phi)
  // from arm 0 (theta -> -inf) through uniform to arm 2. At the uniform iterate, with eta = 10,
  // the surrogate sum_a p A - KL(p || uniform) / eta is convex near theta = 0 (its second
  // derivative there is about 0.14) and has a local maximum on either side, towards arm 0 and
  // towards arm 2 (docs/theory.md, "Concave and non-concave inner problems"). SPMA's L_t has
  // one maximiser.
  const Mdp bandit = make_bandit({1.0, 0.0, 0.9});
  Eigen::MatrixXd phi(3, 1);
  phi << -1.0, 0.0, 1.0;
  const FeatureMatrix features(1, 3, phi);
  const Evaluation evaluation = evaluate_logits(bandit, StateActionMatrix::Zero(1, 3));
  std::vector<Vector> starts;
  for (const double t : {-2.0, -0.5, 0.5, 2.0}) starts.push_back(Vector::Constant(1, t));
  const InnerLandscape mdpo =
      explore_inner_landscape(InnerObjective::mdpo, features, evaluation, 10.0, starts);
  for (const InnerLanding& landing : mdpo.landings) CHECK(landing.converged);
  CHECK(mdpo.distinct == 2);
  // The two local maxima put most mass on arm 0 and on arm 2; arm 0's is the better one.
  const InnerLanding& left = mdpo.landings.front();
  const InnerLanding& right = mdpo.landings.back();
  CHECK(left.theta[0] < 0.0);
  CHECK(right.theta[0] > 0.0);
  CHECK(left.policy(0, 0) > 0.9);
  CHECK(right.policy(0, 2) > 0.9);
  CHECK(left.value > right.value);
  CHECK(mdpo.policy_spread > 0.8);
  const InnerLandscape spma =
      explore_inner_landscape(InnerObjective::spma, features, evaluation, 1.0, starts);
  for (const InnerLanding& landing : spma.landings) CHECK(landing.converged);
  CHECK(spma.distinct == 1);
}
