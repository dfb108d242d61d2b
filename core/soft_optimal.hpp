// The entropy-regularised optimum V*_tau, Q*_tau, pi*_tau by soft policy iteration with exact
// evaluation (docs/theory.md, "Entropy regularisation"). Every tolerance is relative to the
// regularised value scale, value_scale() + tau log A / (1 - gamma).
#pragma once

#include <tabrl/core/evaluation.hpp>

namespace tabrl {

struct SoftOptimalSolution {
  double tau = 0.0;
  Vector v;             // V*_tau
  StateActionMatrix q;  // Q*_tau = r + gamma P V*_tau
  // pi*_tau = softmax(Q*_tau / tau), and its logarithm computed from Q*_tau (never the log of a
  // probability, which may have underflowed): (Q*_tau - max) / tau - log sum exp(...).
  StateActionMatrix policy;
  StateActionMatrix log_policy;
  double objective = 0.0;  // J*_tau = rho^T V*_tau
  // max_s |V*_tau[s] - tau log sum_a exp(Q*_tau[s, a] / tau)|, and whether it is within
  // 1e-12 * value_scale.
  double soft_bellman_residual = 0.0;
  bool soft_bellman_check_passed = false;
  double value_scale = 0.0;  // regularised_value_scale(mdp, tau)
  int iterations = 0;        // soft policy-iteration sweeps (regularised evaluations)
};

// Soft policy iteration needs a handful of sweeps in practice (it is Newton's method on the soft
// Bellman equation); the limit only guards against a numerical pathology.
constexpr int kSoftPolicyIterationLimit = 10000;

// value_scale() + tau log A / (1 - gamma): the width of the interval that holds every
// regularised value, since r_pi + tau H_pi lies in [r_min, r_max + tau log A].
double regularised_value_scale(const Mdp& mdp, double tau);

// pi <- softmax(Q_tau^pi / tau) from the uniform policy until two successive Q_tau differ by at
// most 1e-12 * regularised_value_scale(mdp, tau) in every entry. Throws InputError (field "tau")
// unless 0 < tau < infinity and tau log A / (1 - gamma) <= 1e300 (field "max_iterations" unless
// max_iterations >= 1), and std::runtime_error naming tau when max_iterations sweeps do not
// meet the stopping rule.
SoftOptimalSolution solve_soft_optimal(const Mdp& mdp, double tau,
                                       LinearSolverKind kind = LinearSolverKind::automatic,
                                       int max_iterations = kSoftPolicyIterationLimit);

// The soft greedy step of docs/theory.md, "Entropy regularisation", row by row:
// policy = softmax(q / tau), log_policy = (q - max) / tau - log sum exp((q - max) / tau), and
// soft_value = tau log sum_a exp(q / tau) = max + tau log sum exp((q - max) / tau). Stable for
// any tau > 0 and any finite q.
void soft_greedy(const Eigen::Ref<const StateActionMatrix>& q, double tau,
                 StateActionMatrix& policy, StateActionMatrix& log_policy, Vector& soft_value);

}  // namespace tabrl
