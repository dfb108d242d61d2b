// Entropy regularisation (docs/theory.md, "Entropy regularisation"): the regularised evaluation
// against an independent dense solve, its gradient against central finite differences, the
// tau -> 0 limit, and the soft optimum against the soft Bellman equation, the fixed point of the
// soft greedy step, random policies, the bandit closed form and the rate gamma of soft policy
// iteration.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/soft_optimal.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::random_mdp;

namespace {

// V_tau from the definition, written independently of PolicyEvaluator: a dense full-pivot solve
// of (I - gamma P_pi) V = r_pi + tau H_pi with 0 log 0 = 0.
Vector reference_regularised_values(const Mdp& mdp, const StateActionMatrix& policy, double tau) {
  const Index S = mdp.num_states();
  Eigen::MatrixXd transition_pi = Eigen::MatrixXd::Zero(S, S);
  Vector rhs = Vector::Zero(S);
  const Eigen::MatrixXd dense_p = Eigen::MatrixXd(mdp.transitions());
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      const double p = policy(s, a);
      transition_pi.row(s) += p * dense_p.row(mdp.transition_row(s, a));
      rhs[s] += p * mdp.rewards()(s, a);
      if (p != 0.0) rhs[s] -= tau * p * std::log(p);
    }
  }
  const Eigen::MatrixXd system = Eigen::MatrixXd::Identity(S, S) - mdp.gamma() * transition_pi;
  return system.fullPivLu().solve(rhs);
}

// Q = r + gamma P V from the dense kernel.
StateActionMatrix reference_q(const Mdp& mdp, const Vector& v) {
  const Eigen::MatrixXd dense_p = Eigen::MatrixXd(mdp.transitions());
  StateActionMatrix q(mdp.num_states(), mdp.num_actions());
  for (Index s = 0; s < mdp.num_states(); ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      q(s, a) = mdp.rewards()(s, a) + mdp.gamma() * dense_p.row(mdp.transition_row(s, a)).dot(v);
    }
  }
  return q;
}

// J_tau of softmax(logits).
double regularised_objective(PolicyEvaluator& evaluator, const StateActionMatrix& logits,
                             double tau) {
  StateActionMatrix policy;
  softmax_rows(logits, policy);
  RegularisedEvaluation regularised;
  evaluator.evaluate_regularised(policy, tau, regularised);
  return regularised.objective;
}

Mdp scaled_rewards(const Mdp& mdp, double factor) {
  MdpParts parts = mdp.parts();
  parts.rewards *= factor;
  return Mdp(std::move(parts));
}

}  // namespace

TEST_CASE("regularised evaluation solves (I - gamma P_pi) V = r_pi + tau H_pi") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.99 : 0.7;
    const double tau = seed <= 4 ? 0.3 : 5.0;
    const Mdp mdp = random_mdp(7, 3, gamma, seed, -1.0, 2.0);
    PolicyEvaluator evaluator(mdp);
    StateActionMatrix policy;
    softmax_rows(random_logits(7, 3, seed + 100, 2.0), policy);
    RegularisedEvaluation regularised;
    evaluator.evaluate_regularised(policy, tau, regularised);
    CAPTURE(seed);
    const Vector expected_v = reference_regularised_values(mdp, policy, tau);
    const double scale = regularised_value_scale(mdp, tau);
    CHECK((regularised.v - expected_v).cwiseAbs().maxCoeff() <= 1e-13 * scale);
    CHECK((regularised.q - reference_q(mdp, expected_v)).cwiseAbs().maxCoeff() <= 1e-13 * scale);
    CHECK(regularised.objective == doctest::Approx(mdp.rho().dot(expected_v)).epsilon(1e-13));
    // V_tau = sum_a pi (Q_tau - tau log pi), the soft form of V = sum_a pi Q.
    for (Index s = 0; s < 7; ++s) {
      double soft = 0.0;
      for (Index a = 0; a < 3; ++a) {
        soft += policy(s, a) * (regularised.q(s, a) - tau * std::log(policy(s, a)));
      }
      CHECK(std::abs(soft - regularised.v[s]) <= 1e-13 * scale);
      CHECK(regularised.entropy[s] > 0.0);
      CHECK(regularised.entropy[s] <= std::log(3.0) + 1e-15);
    }
  }
}

TEST_CASE("regularised evaluation reuses the prepared system only for the same policy") {
  const Mdp mdp = random_mdp(12, 4, 0.95, 5, -1.0, 1.0);
  const double tau = 0.7;
  const StateActionMatrix first = random_logits(12, 4, 1, 2.0);
  const StateActionMatrix second = random_logits(12, 4, 2, 2.0);
  for (const LinearSolverKind kind :
       {LinearSolverKind::dense_lu, LinearSolverKind::sparse_lu, LinearSolverKind::krylov}) {
    CAPTURE(to_string(kind));
    PolicyEvaluator fresh(mdp, kind);
    PolicyEvaluator reused(mdp, kind);
    Evaluation evaluation;
    RegularisedEvaluation expected, same, other;
    // Another policy prepared before.
    fresh.evaluate_regularised(StateActionMatrix::Constant(12, 4, 0.25), tau, expected);
    reused.evaluate_logits(first, evaluation);
    reused.evaluate_regularised(evaluation.policy, tau, same);
    fresh.evaluate_regularised(evaluation.policy, tau, expected);
    const double scale = regularised_value_scale(mdp, tau);
    // Krylov solves to a relative residual of 1e-12, times the condition number (1 + gamma) /
    // (1 - gamma) at most; the direct solvers are exact to rounding.
    const double accuracy = kind == LinearSolverKind::krylov ? 1e-9 : 1e-13;
    CHECK((same.v - expected.v).cwiseAbs().maxCoeff() <= accuracy * scale);
    // After the ordinary evaluation of `first`, a different policy must be prepared anew.
    StateActionMatrix policy;
    softmax_rows(second, policy);
    reused.evaluate_regularised(policy, tau, other);
    const Vector reference = reference_regularised_values(mdp, policy, tau);
    CHECK((other.v - reference).cwiseAbs().maxCoeff() <= accuracy * scale);
    // And the ordinary evaluation that follows is unaffected.
    Evaluation plain_reused, plain_fresh;
    reused.evaluate_logits(second, plain_reused);
    PolicyEvaluator(mdp, kind).evaluate_logits(second, plain_fresh);
    CHECK((plain_reused.v - plain_fresh.v).cwiseAbs().maxCoeff() <= accuracy * mdp.value_scale());
    CHECK((plain_reused.visitation - plain_fresh.visitation).cwiseAbs().maxCoeff() <= accuracy);
  }
}

TEST_CASE("the dense path reuses the factorisation: bit-identical to a fresh evaluation") {
  const Mdp mdp = random_mdp(9, 3, 0.9, 17);
  PolicyEvaluator reused(mdp, LinearSolverKind::dense_lu);
  PolicyEvaluator fresh(mdp, LinearSolverKind::dense_lu);
  Evaluation evaluation;
  reused.evaluate_logits(random_logits(9, 3, 4), evaluation);
  RegularisedEvaluation a, b;
  reused.evaluate_regularised(evaluation.policy, 0.2, a);
  fresh.evaluate_regularised(evaluation.policy, 0.2, b);
  CHECK(a.v == b.v);
  CHECK(a.q == b.q);
}

TEST_CASE("the entropy gradient matches central finite differences of J_tau") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    const double gamma = seed <= 4 ? 0.9 : 0.5;
    const double tau = seed % 2 == 0 ? 0.1 : 1.5;
    const Index S = 5, A = 3;
    const Mdp mdp = random_mdp(S, A, gamma, seed, 0.0, 1.0);
    PolicyEvaluator evaluator(mdp);
    Evaluation evaluation;
    RegularisedEvaluation regularised;
    const StateActionMatrix logits = random_logits(S, A, seed * 31, 1.5);
    evaluator.evaluate_logits(logits, evaluation);
    evaluator.evaluate_regularised(evaluation.policy, tau, regularised);
    StateActionMatrix gradient, gradient_from_logits;
    entropy_policy_gradient(evaluation, regularised, gamma, tau, gradient);
    entropy_policy_gradient(evaluation, regularised, logits, gamma, tau, gradient_from_logits);
    const double size = gradient.cwiseAbs().maxCoeff();
    REQUIRE(size > 1e-3);
    CHECK((gradient - gradient_from_logits).cwiseAbs().maxCoeff() <= 1e-13 * size);
    // The soft advantage sums to 0 under pi, so each row of the gradient does (to the rounding
    // of terms up to d / (1 - gamma) times the value scale).
    CHECK(gradient.rowwise().sum().cwiseAbs().maxCoeff() <=
          1e-14 * regularised_value_scale(mdp, tau) / (1.0 - gamma));
    const double h = 1e-5;
    for (Index s = 0; s < S; ++s) {
      for (Index a = 0; a < A; ++a) {
        StateActionMatrix shifted = logits;
        shifted(s, a) += h;
        const double up = regularised_objective(evaluator, shifted, tau);
        shifted(s, a) -= 2 * h;
        const double down = regularised_objective(evaluator, shifted, tau);
        const double finite_difference = (up - down) / (2 * h);
        CAPTURE(seed);
        CAPTURE(s);
        CAPTURE(a);
        CHECK(std::abs(gradient(s, a) - finite_difference) <= 1e-6 * size);
      }
    }
  }
}

TEST_CASE("the entropy gradient is finite for policies with zeros and underflowed probabilities") {
  const Mdp mdp = random_mdp(4, 3, 0.9, 3);
  const double tau = 0.5;
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  RegularisedEvaluation regularised;
  // Row 0 has a probability of about e^-1000 (0 in double), row 1 one of about e^-701 (tiny
  // but still a normal double), row 2 a logit of -inf (an exact zero).
  StateActionMatrix logits(4, 3);
  const double inf = std::numeric_limits<double>::infinity();
  logits << 0.0, 1.0, -1000.0, 0.0, -700.0, 0.5, -inf, 0.0, 0.0, 0.2, 0.1, 0.3;
  evaluator.evaluate_logits(logits, evaluation);
  REQUIRE(evaluation.policy(0, 2) == 0.0);
  REQUIRE(evaluation.policy(2, 0) == 0.0);
  evaluator.evaluate_regularised(evaluation.policy, tau, regularised);
  CHECK(regularised.v.allFinite());
  StateActionMatrix gradient, gradient_from_logits;
  entropy_policy_gradient(evaluation, regularised, mdp.gamma(), tau, gradient);
  entropy_policy_gradient(evaluation, regularised, logits, mdp.gamma(), tau, gradient_from_logits);
  CHECK(gradient.allFinite());
  CHECK(gradient_from_logits.allFinite());
  CHECK(gradient(0, 2) == 0.0);
  CHECK(gradient_from_logits(2, 0) == 0.0);
  // The tiny entry pi (Q - tau log pi - V) is nonzero, and both forms agree on it.
  CHECK(gradient_from_logits(1, 1) != 0.0);
  CHECK(gradient(1, 1) == doctest::Approx(gradient_from_logits(1, 1)).epsilon(1e-12));
  CHECK((gradient - gradient_from_logits).cwiseAbs().maxCoeff() <=
        1e-13 * gradient.cwiseAbs().maxCoeff());
}

TEST_CASE("a policy with exact zeros evaluates finitely, with 0 log 0 = 0") {
  const Mdp mdp = random_mdp(6, 4, 0.9, 8, -1.0, 1.0);
  PolicyEvaluator evaluator(mdp);
  const double tau = 2.0;
  // Deterministic rows have no entropy: V_tau is the ordinary V.
  const StateActionMatrix deterministic = deterministic_policy({0, 3, 1, 1, 2, 0}, 4);
  Evaluation plain;
  RegularisedEvaluation regularised;
  evaluator.evaluate_policy(deterministic, plain);
  evaluator.evaluate_regularised(deterministic, tau, regularised);
  CHECK(regularised.entropy.isZero(0.0));
  CHECK((regularised.v - plain.v).cwiseAbs().maxCoeff() <= 1e-14 * mdp.value_scale());
  // Rows with some zeros: half on two actions has entropy log 2.
  StateActionMatrix policy = StateActionMatrix::Zero(6, 4);
  for (Index s = 0; s < 6; ++s) {
    policy(s, s % 4) = 0.5;
    policy(s, (s + 1) % 4) = 0.5;
  }
  evaluator.evaluate_regularised(policy, tau, regularised);
  CHECK(regularised.v.allFinite());
  CHECK(regularised.q.allFinite());
  for (Index s = 0; s < 6; ++s) CHECK(regularised.entropy[s] == doctest::Approx(std::log(2.0)));
  const Vector expected = reference_regularised_values(mdp, policy, tau);
  CHECK((regularised.v - expected).cwiseAbs().maxCoeff() <=
        1e-13 * regularised_value_scale(mdp, tau));
}

TEST_CASE("tau -> 0: regularised values approach the ordinary ones") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const double gamma = 0.9;
    const Index A = 3;
    const Mdp mdp = random_mdp(6, A, gamma, seed, -1.0, 1.0);
    PolicyEvaluator evaluator(mdp);
    Evaluation plain;
    evaluator.evaluate_logits(random_logits(6, A, seed + 50, 1.0), plain);
    RegularisedEvaluation regularised;
    // tau = 0 is the ordinary evaluation itself.
    evaluator.evaluate_regularised(plain.policy, 0.0, regularised);
    CHECK((regularised.v - plain.v).cwiseAbs().maxCoeff() == 0.0);
    CHECK((regularised.q - plain.q).cwiseAbs().maxCoeff() == 0.0);
    const OptimalSolution optimal = solve_optimal(mdp);
    double previous_gap = std::numeric_limits<double>::infinity();
    for (const double tau : {1.0, 1e-2, 1e-4, 1e-8}) {
      CAPTURE(seed);
      CAPTURE(tau);
      // 0 <= V_tau - V <= tau log A / (1 - gamma), since 0 <= H_pi <= log A.
      const double bound = tau * std::log(static_cast<double>(A)) / (1.0 - gamma);
      const double noise = 1e-13 * mdp.value_scale();
      evaluator.evaluate_regularised(plain.policy, tau, regularised);
      const Vector gap = regularised.v - plain.v;
      CHECK(gap.minCoeff() >= -noise);
      CHECK(gap.maxCoeff() <= bound + noise);
      CHECK(gap.maxCoeff() < previous_gap);
      previous_gap = gap.maxCoeff();
      // And the soft optimum approaches the optimum: J* <= J*_tau <= J* + tau log A / (1 - gamma).
      const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
      CHECK(soft.soft_bellman_check_passed);
      CHECK(soft.objective >= optimal.objective - noise);
      CHECK(soft.objective <= optimal.objective + bound + noise);
      CHECK((soft.v - optimal.v).cwiseAbs().maxCoeff() <= bound + noise);
    }
  }
}

TEST_CASE("the soft optimum satisfies the soft Bellman equation on random MDPs") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const double gamma = seed % 3 == 0 ? 0.99 : (seed % 3 == 1 ? 0.5 : 0.9);
    const double tau = std::pow(10.0, static_cast<double>(seed % 4) - 2.0);  // 0.01 ... 10
    const Index S = 8, A = 4;
    const Mdp mdp = random_mdp(S, A, gamma, seed, -1.0, 1.0);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    CAPTURE(seed);
    CAPTURE(gamma);
    CAPTURE(tau);
    CAPTURE(soft.iterations);
    const double scale = regularised_value_scale(mdp, tau);
    CHECK(soft.value_scale == scale);
    CHECK(soft.soft_bellman_check_passed);
    CHECK(soft.soft_bellman_residual <= 1e-12 * scale);
    // Independently: V = tau log sum exp(Q / tau) and Q = r + gamma P V.
    for (Index s = 0; s < S; ++s) {
      const double top = soft.q.row(s).maxCoeff();
      const double soft_max =
          top + tau * std::log(((soft.q.row(s).array() - top) / tau).exp().sum());
      CHECK(std::abs(soft.v[s] - soft_max) <= 1e-12 * scale);
    }
    CHECK((soft.q - reference_q(mdp, soft.v)).cwiseAbs().maxCoeff() <= 1e-13 * scale);
    CHECK(soft.objective == doctest::Approx(mdp.rho().dot(soft.v)).epsilon(1e-15));
    // pi* = softmax(Q* / tau), log pi* its exact logarithm, rows sum to 1.
    StateActionMatrix expected_policy;
    softmax_rows(soft.q / tau, expected_policy);
    // (Q / tau rounds to eps |Q| / tau, the shifted form used by soft_greedy does not.)
    const double rounding = 1e-15 * (1.0 + soft.q.cwiseAbs().maxCoeff() / tau);
    CHECK((soft.policy - expected_policy).cwiseAbs().maxCoeff() <= rounding);
    CHECK((soft.policy.rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-15);
    CHECK((soft.log_policy.array().exp().matrix() - soft.policy).cwiseAbs().maxCoeff() <= 1e-15);
    // A fixed point of the soft greedy step: evaluating pi* and taking softmax(Q / tau) again
    // gives pi* back, and its regularised values are V*_tau, Q*_tau.
    PolicyEvaluator evaluator(mdp);
    RegularisedEvaluation again;
    evaluator.evaluate_regularised(soft.policy, tau, again);
    CHECK((again.q - soft.q).cwiseAbs().maxCoeff() <= 1e-12 * scale);
    CHECK((again.v - soft.v).cwiseAbs().maxCoeff() <= 1e-12 * scale);
    StateActionMatrix next_policy, next_log_policy;
    Vector soft_value;
    soft_greedy(again.q, tau, next_policy, next_log_policy, soft_value);
    CHECK((next_log_policy - soft.log_policy).cwiseAbs().maxCoeff() <= 2e-12 * scale / tau);
    CHECK((next_policy - soft.policy).cwiseAbs().maxCoeff() <= 2e-12 * scale / tau);
  }
}

TEST_CASE("J_tau(pi*_tau) >= J_tau(pi), V*_tau >= V_tau^pi, for random policies") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const double gamma = seed % 2 == 0 ? 0.95 : 0.6;
    const double tau = seed <= 3 ? 0.05 : 1.0;
    const Mdp mdp = random_mdp(6, 3, gamma, seed, 0.0, 1.0);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    REQUIRE(soft.soft_bellman_check_passed);
    PolicyEvaluator evaluator(mdp);
    RegularisedEvaluation regularised;
    const double noise = 1e-12 * soft.value_scale;
    for (std::uint64_t draw = 0; draw < 30; ++draw) {
      StateActionMatrix policy;
      // Near-uniform, ordinary and nearly deterministic policies.
      softmax_rows(random_logits(6, 3, seed * 1000 + draw, 0.1 + 0.5 * static_cast<double>(draw)),
                   policy);
      evaluator.evaluate_regularised(policy, tau, regularised);
      CAPTURE(seed);
      CAPTURE(draw);
      CHECK(regularised.objective <= soft.objective + noise);
      CHECK((regularised.v - soft.v).maxCoeff() <= noise);
    }
    // The optimal policy of the unregularised problem is not optimal here.
    const OptimalSolution optimal = solve_optimal(mdp);
    evaluator.evaluate_regularised(deterministic_policy(optimal.policy, 3), tau, regularised);
    CHECK(regularised.objective < soft.objective - noise);
  }
}

TEST_CASE("bandit: pi*_tau = softmax(r / tau) and V*_tau = tau log sum exp(r / tau)") {
  const std::vector<double> means = {0.1, 0.7, 0.4, 0.9, 0.65};
  const Mdp mdp = make_bandit(means);
  for (const double tau : {1e-3, 0.05, 0.3, 1.0, 40.0}) {
    CAPTURE(tau);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    // Q_tau = r for every policy when gamma = 0: the second sweep sees no change.
    CHECK(soft.iterations == 2);
    CHECK(soft.soft_bellman_check_passed);
    double total = 0.0;
    for (const double mean : means) total += std::exp((mean - 0.9) / tau);
    for (Index a = 0; a < 5; ++a) {
      const double expected = std::exp((means[static_cast<std::size_t>(a)] - 0.9) / tau) / total;
      CHECK(soft.policy(0, a) == doctest::Approx(expected).epsilon(1e-14));
      CHECK(soft.q(0, a) == means[static_cast<std::size_t>(a)]);
    }
    CHECK(soft.v[0] == doctest::Approx(0.9 + tau * std::log(total)).epsilon(1e-14));
    CHECK(soft.objective == soft.v[0]);
  }
}

TEST_CASE("soft policy iteration converges at least at rate gamma, monotonically") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const double gamma = seed <= 3 ? 0.9 : 0.99;
    const double tau = seed % 3 == 0 ? 0.01 : (seed % 3 == 1 ? 0.1 : 1.0);
    const Mdp mdp = random_mdp(10, 3, gamma, seed, 0.0, 1.0);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    REQUIRE(soft.soft_bellman_check_passed);
    // The iterates written out here: ||Q*_tau - Q_k||_inf <= gamma^k ||Q*_tau - Q_0||_inf,
    // Q_k = Q_tau of the k-th policy, pi_0 uniform (the npg_entropy bound with eta = 1 / tau).
    PolicyEvaluator evaluator(mdp);
    RegularisedEvaluation regularised;
    StateActionMatrix policy = StateActionMatrix::Constant(10, 3, 1.0 / 3.0), log_policy;
    Vector soft_value, previous_v;
    double initial_error = 0.0;
    const double noise = 1e-12 * soft.value_scale;
    for (int k = 0; k < soft.iterations; ++k) {
      evaluator.evaluate_regularised(policy, tau, regularised);
      const double error = (soft.q - regularised.q).cwiseAbs().maxCoeff();
      if (k == 0) initial_error = error;
      CAPTURE(seed);
      CAPTURE(k);
      CHECK(error <= std::pow(gamma, k) * initial_error + noise);
      if (k > 0) CHECK((regularised.v - previous_v).minCoeff() >= -noise);  // improvement
      previous_v = regularised.v;
      soft_greedy(regularised.q, tau, policy, log_policy, soft_value);
    }
    CHECK(soft.iterations <= 30);
  }
}

TEST_CASE("the soft optimum agrees across solvers and scales with the rewards and tau") {
  const Mdp mdp = make_garnet(80, 4, 5, 3, 0.95);
  const double tau = 0.2;
  const SoftOptimalSolution dense = solve_soft_optimal(mdp, tau, LinearSolverKind::dense_lu);
  const SoftOptimalSolution krylov = solve_soft_optimal(mdp, tau, LinearSolverKind::krylov);
  const SoftOptimalSolution sparse = solve_soft_optimal(mdp, tau, LinearSolverKind::sparse_lu);
  CHECK(dense.soft_bellman_check_passed);
  CHECK(krylov.soft_bellman_check_passed);
  CHECK(sparse.soft_bellman_check_passed);
  const double scale = dense.value_scale;
  CHECK((dense.v - krylov.v).cwiseAbs().maxCoeff() <= 1e-9 * scale);
  CHECK((dense.v - sparse.v).cwiseAbs().maxCoeff() <= 1e-12 * scale);
  // Rewards and tau times 2^40 give values times 2^40 exactly.
  const double factor = std::ldexp(1.0, 40);
  const SoftOptimalSolution scaled =
      solve_soft_optimal(scaled_rewards(mdp, factor), tau * factor, LinearSolverKind::dense_lu);
  CHECK(scaled.iterations == dense.iterations);
  CHECK(scaled.v == dense.v * factor);
  CHECK(scaled.policy == dense.policy);
  CHECK(scaled.value_scale == scale * factor);
}

TEST_CASE("a bad tau is an InputError naming the field") {
  const Mdp mdp = random_mdp(3, 2, 0.9, 1);
  PolicyEvaluator evaluator(mdp);
  RegularisedEvaluation regularised;
  const StateActionMatrix policy = StateActionMatrix::Constant(3, 2, 0.5);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(input_error_of([&] { evaluator.evaluate_regularised(policy, -1.0, regularised); }) ==
        "tau: must be >= 0 and finite, got -1");
  CHECK(input_error_of([&] { evaluator.evaluate_regularised(policy, inf, regularised); }) ==
        "tau: must be >= 0 and finite, got inf");
  CHECK(input_error_of([&] {
          evaluator.evaluate_regularised(policy, std::nan(""), regularised);
        }).starts_with("tau: must be >= 0 and finite, got "));
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, 0.0); }) ==
        "tau: must be > 0 and finite, got 0");
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, -0.5); }) ==
        "tau: must be > 0 and finite, got -0.5");
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, inf); }) ==
        "tau: must be > 0 and finite, got inf");
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, std::nan("")); }).starts_with("tau: "));
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, 1e300); }).starts_with("tau: 1e+300"));
  CHECK(input_error_of([&] { solve_soft_optimal(mdp, 1.0, LinearSolverKind::automatic, 0); }) ==
        "max_iterations: must be >= 1, got 0");
}

TEST_CASE("soft policy iteration that misses its iteration limit says so, naming tau") {
  const Mdp mdp = random_mdp(5, 3, 0.9, 2);
  try {
    solve_soft_optimal(mdp, 0.25, LinearSolverKind::automatic, 2);
    FAIL("expected an error");
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    CAPTURE(message);
    CHECK(message.find("tau = 0.25") != std::string::npos);
    CHECK(message.find("did not converge in 2 sweeps") != std::string::npos);
  }
}

TEST_CASE("soft policy iteration ends at the values' accuracy near gamma = 1") {
  // At gamma = 1 - 1e-6 a change of Q_tau of 1e-12 of its scale is below the evaluation's
  // rounding (a probe: 10,000 sweeps, then "did not converge" at 1.8e-12); the tolerance is the
  // values' accuracy, 16 u (1 + gamma) / (1 - gamma) there.
  const double u = std::numeric_limits<double>::epsilon() / 2.0;
  CHECK(value_accuracy(make_five_by_five(0.9), LinearSolverKind::dense_lu) == 1e-12);
  CHECK(value_accuracy(make_five_by_five(0.99), LinearSolverKind::sparse_lu) == 1e-12);
  CHECK(value_accuracy(make_five_by_five(1.0 - 1e-7), LinearSolverKind::dense_lu) ==
        doctest::Approx(16.0 * u * (2.0 - 1e-7) / 1e-7));
  // The LU's backward error grows as 0.75 sqrt(S) units above S = 113 (docs/engine.md).
  CHECK(value_accuracy(make_garnet(10000, 2, 2, 1, 1.0 - 1e-7), LinearSolverKind::sparse_lu) ==
        doctest::Approx(2.0 * 75.0 * u * (2.0 - 1e-7) / 1e-7));
  CHECK(value_accuracy(make_five_by_five(0.9), LinearSolverKind::krylov) ==
        doctest::Approx(2e-12 * 1.9 / 0.1));
  for (const double tau : {1.0, 100.0}) {
    CAPTURE(tau);
    const Mdp mdp = make_five_by_five(0.999999);
    const SoftOptimalSolution soft = solve_soft_optimal(mdp, tau);
    CHECK(soft.soft_bellman_check_passed);
    CHECK(soft.soft_bellman_residual <=
          value_accuracy(mdp, LinearSolverKind::dense_lu) * soft.value_scale);
  }
}
