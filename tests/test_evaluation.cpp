// Exact evaluation: identities of docs/theory.md, "Exact quantities of a policy", solver agreement
// and the exact gradient against central finite differences.
#include <doctest/doctest.h>

#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/policy.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;

namespace {

// V from the definition, by a dense solve written independently of PolicyEvaluator.
Vector reference_values(const Mdp& mdp, const StateActionMatrix& policy) {
  const Index S = mdp.num_states();
  Eigen::MatrixXd transition_pi = Eigen::MatrixXd::Zero(S, S);
  Vector reward_pi = Vector::Zero(S);
  const Eigen::MatrixXd dense_p = Eigen::MatrixXd(mdp.transitions());
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      transition_pi.row(s) += policy(s, a) * dense_p.row(mdp.transition_row(s, a));
      reward_pi[s] += policy(s, a) * mdp.rewards()(s, a);
    }
  }
  const Eigen::MatrixXd system = Eigen::MatrixXd::Identity(S, S) - mdp.gamma() * transition_pi;
  return system.fullPivLu().solve(reward_pi);
}

}  // namespace

TEST_CASE("evaluation satisfies the identities of the exact quantities on random MDPs") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.99 : 0.7;
    const Mdp mdp = random_mdp(7, 3, gamma, seed, -1.0, 2.0);
    PolicyEvaluator evaluator(mdp);
    Evaluation evaluation;
    evaluator.evaluate_logits(random_logits(7, 3, seed + 100, 2.0), evaluation);
    CAPTURE(seed);
    const Vector expected_v = reference_values(mdp, evaluation.policy);
    CHECK((evaluation.v - expected_v).cwiseAbs().maxCoeff() < 1e-10);
    CHECK(evaluation.objective == doctest::Approx(mdp.rho().dot(expected_v)).epsilon(1e-12));
    // sum_a pi A = 0 and A = Q - V.
    const Vector weighted = evaluation.policy.cwiseProduct(evaluation.advantage).rowwise().sum();
    CHECK(weighted.cwiseAbs().maxCoeff() < 1e-11);
    // Q = r + gamma P V, checked against the dense kernel.
    const Eigen::MatrixXd dense_p = Eigen::MatrixXd(mdp.transitions());
    for (Index s = 0; s < 7; ++s) {
      for (Index a = 0; a < 3; ++a) {
        const double q =
            mdp.rewards()(s, a) + gamma * dense_p.row(mdp.transition_row(s, a)).dot(expected_v);
        CHECK(evaluation.q(s, a) == doctest::Approx(q).epsilon(1e-11));
      }
    }
    // d sums to 1 and dominates (1 - gamma) rho.
    CHECK(evaluation.visitation.sum() == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(((evaluation.visitation - (1.0 - gamma) * mdp.rho()).array() > -1e-14).all());
  }
}

TEST_CASE("visitation is the discounted state distribution: d^T r_pi = (1 - gamma) J") {
  const Mdp mdp = random_mdp(9, 4, 0.9, 42);
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  evaluator.evaluate_logits(random_logits(9, 4, 7), evaluation);
  const Vector reward_pi = evaluation.policy.cwiseProduct(mdp.rewards()).rowwise().sum();
  CHECK(evaluation.visitation.dot(reward_pi) ==
        doctest::Approx((1.0 - mdp.gamma()) * evaluation.objective).epsilon(1e-12));
}

TEST_CASE("dense and sparse solvers agree") {
  const Mdp mdp = make_garnet(60, 4, 3, 11, 0.95);
  PolicyEvaluator dense(mdp, LinearSolverKind::dense_lu);
  PolicyEvaluator sparse(mdp, LinearSolverKind::sparse_lu);
  CHECK(dense.solver() == LinearSolverKind::dense_lu);
  CHECK(sparse.solver() == LinearSolverKind::sparse_lu);
  const StateActionMatrix logits = random_logits(60, 4, 3, 3.0);
  Evaluation a, b;
  for (int repeat = 0; repeat < 2; ++repeat) {  // the second reuses the symbolic analysis
    dense.evaluate_logits(logits * (repeat + 1.0), a);
    sparse.evaluate_logits(logits * (repeat + 1.0), b);
    CHECK((a.v - b.v).cwiseAbs().maxCoeff() < 1e-11);
    CHECK((a.visitation - b.visitation).cwiseAbs().maxCoeff() < 1e-13);
    CHECK(a.objective == doctest::Approx(b.objective).epsilon(1e-13));
  }
}

TEST_CASE("the exact gradient matches central finite differences of J") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const double gamma = seed <= 4 ? 0.9 : 0.5;
    const Index S = 5, A = 3;
    const Mdp mdp = random_mdp(S, A, gamma, seed, 0.0, 1.0);
    PolicyEvaluator evaluator(mdp);
    Evaluation evaluation;
    const StateActionMatrix logits = random_logits(S, A, seed * 31);
    evaluator.evaluate_logits(logits, evaluation);
    StateActionMatrix gradient;
    policy_gradient(evaluation, gamma, gradient);
    const double h = 1e-5;
    for (Index s = 0; s < S; ++s) {
      for (Index a = 0; a < A; ++a) {
        StateActionMatrix shifted = logits;
        shifted(s, a) += h;
        evaluator.evaluate_logits(shifted, evaluation);
        const double up = evaluation.objective;
        shifted(s, a) -= 2 * h;
        evaluator.evaluate_logits(shifted, evaluation);
        const double down = evaluation.objective;
        const double finite_difference = (up - down) / (2 * h);
        CAPTURE(seed);
        CAPTURE(s);
        CAPTURE(a);
        CHECK(gradient(s, a) == doctest::Approx(finite_difference).epsilon(1e-6));
      }
    }
  }
}

TEST_CASE("bandit gradient has the closed form pi (r - pi^T r)") {
  const Mdp mdp = make_bandit({0.1, 0.7, 0.4, 0.9});
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  StateActionMatrix logits(1, 4);
  logits << 0.3, -1.0, 2.0, 0.0;
  evaluator.evaluate_logits(logits, evaluation);
  StateActionMatrix gradient;
  policy_gradient(evaluation, mdp.gamma(), gradient);
  const double mean = evaluation.policy.row(0).dot(mdp.rewards().row(0));
  for (Index a = 0; a < 4; ++a) {
    CHECK(gradient(0, a) ==
          doctest::Approx(evaluation.policy(0, a) * (mdp.rewards()(0, a) - mean)).epsilon(1e-14));
  }
}

TEST_CASE("softmax is stable for huge logits") {
  StateActionMatrix logits(2, 3);
  logits << 1000.0, 999.0, -1000.0, -5000.0, -5000.0, -5000.0;
  StateActionMatrix policy;
  softmax_rows(logits, policy);
  CHECK(policy.allFinite());
  CHECK(policy(0, 0) == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))));
  CHECK(policy(1, 2) == doctest::Approx(1.0 / 3.0));
}

TEST_CASE("the Krylov solver meets its residual guarantee and agrees with dense LU") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.99 : 0.9;
    const Mdp mdp =
        seed <= 3 ? make_garnet(300, 4, 5, seed, gamma) : random_mdp(40, 3, gamma, seed, -1.0, 1.0);
    PolicyEvaluator dense(mdp, LinearSolverKind::dense_lu);
    PolicyEvaluator krylov(mdp, LinearSolverKind::krylov);
    REQUIRE(krylov.solver() == LinearSolverKind::krylov);
    Evaluation a, b;
    for (int step = 0; step < 3; ++step) {  // cold start, then warm starts from other policies
      const StateActionMatrix logits =
          random_logits(mdp.num_states(), mdp.num_actions(), seed * 10 + step, 2.0);
      dense.evaluate_logits(logits, a);
      krylov.evaluate_logits(logits, b);
      CAPTURE(seed);
      CAPTURE(step);
      CHECK(krylov.last_solve().value_residual <= 1e-12);
      CHECK(krylov.last_solve().visitation_residual <= 1e-12);
      const double scale = a.v.cwiseAbs().maxCoeff();
      // ||x - x*|| <= cond * residual, cond <= (1 + gamma) / (1 - gamma).
      CHECK((a.v - b.v).cwiseAbs().maxCoeff() <= 1e-12 * 200.0 * scale);
      CHECK((a.visitation - b.visitation).cwiseAbs().maxCoeff() <= 1e-12 * 200.0);
      CHECK(b.visitation.sum() == doctest::Approx(1.0).epsilon(1e-10));
    }
  }
}

TEST_CASE("the automatic choice is dense LU up to 500 states and Krylov above") {
  CHECK(PolicyEvaluator(make_garnet(500, 2, 2, 1)).solver() == LinearSolverKind::dense_lu);
  CHECK(PolicyEvaluator(make_garnet(501, 2, 2, 1)).solver() == LinearSolverKind::krylov);
}
