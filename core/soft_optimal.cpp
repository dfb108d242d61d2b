#include "soft_optimal.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {
namespace {

void check_tau(const Mdp& mdp, double tau) {
  if (!(tau > 0.0 && std::isfinite(tau))) {
    throw InputError({.field = "tau"}, "must be > 0 and finite, got " + format_number(tau));
  }
  const double entropy_magnitude =
      tau * std::log(static_cast<double>(mdp.num_actions())) / (1.0 - mdp.gamma());
  if (!(entropy_magnitude <= kMaxValueMagnitude)) {
    throw InputError({.field = "tau"},
                     format_number(tau) + " with discount " + format_number(mdp.gamma()) +
                         " gives entropy bonuses tau log A / (1 - gamma) beyond " +
                         format_number(kMaxValueMagnitude) + ", out of double range");
  }
}

}  // namespace

double regularised_value_scale(const Mdp& mdp, double tau) {
  return mdp.value_scale() +
         tau * std::log(static_cast<double>(mdp.num_actions())) / (1.0 - mdp.gamma());
}

void soft_greedy(const Eigen::Ref<const StateActionMatrix>& q, double tau,
                 StateActionMatrix& policy, StateActionMatrix& log_policy, Vector& soft_value) {
  const Index num_states = q.rows();
  const Index num_actions = q.cols();
  policy.resize(num_states, num_actions);
  log_policy.resize(num_states, num_actions);
  soft_value.resize(num_states);
  for (Index s = 0; s < num_states; ++s) {
    // Shifting by the row maximum first keeps every exponent <= 0 with one exponent 0, so the
    // sum lies in [1, A]: nothing overflows however small tau is, and its log is finite.
    const double shift = q.row(s).maxCoeff();
    double total = 0.0;
    for (Index a = 0; a < num_actions; ++a) {
      log_policy(s, a) = (q(s, a) - shift) / tau;
      total += (policy(s, a) = std::exp(log_policy(s, a)));
    }
    const double log_total = std::log(total);
    for (Index a = 0; a < num_actions; ++a) {
      policy(s, a) /= total;
      log_policy(s, a) -= log_total;
    }
    soft_value[s] = shift + tau * log_total;
  }
}

SoftOptimalSolution solve_soft_optimal(const Mdp& mdp, double tau, LinearSolverKind kind,
                                       int max_iterations) {
  check_tau(mdp, tau);
  if (max_iterations < 1) {
    throw InputError({.field = "max_iterations"},
                     "must be >= 1, got " + std::to_string(max_iterations));
  }
  const Index num_states = mdp.num_states();
  const Index num_actions = mdp.num_actions();
  SoftOptimalSolution solution;
  solution.tau = tau;
  solution.value_scale = regularised_value_scale(mdp, tau);
  PolicyEvaluator evaluator(mdp, kind);
  // The iteration ends when Q_tau changes by at most the values' accuracy: 1e-12 of the scale,
  // or near gamma = 1 the evaluation's rounding floor, below which a change is noise.
  const double accuracy = value_accuracy(mdp, evaluator.solver());
  const double tolerance = accuracy * solution.value_scale;
  RegularisedEvaluation evaluation;
  StateActionMatrix previous_q;
  Vector soft_value;
  solution.policy.setConstant(num_states, num_actions, 1.0 / static_cast<double>(num_actions));
  for (int sweep = 1;; ++sweep) {
    evaluator.evaluate_regularised(solution.policy, tau, evaluation);
    // The first sweep has nothing to compare with: it never stops the iteration.
    const double change = sweep == 1 ? std::numeric_limits<double>::infinity()
                                     : (evaluation.q - previous_q).cwiseAbs().maxCoeff();
    solution.iterations = sweep;
    if (!evaluation.q.allFinite()) {
      throw std::runtime_error("soft policy iteration (tau = " + format_number(tau) +
                               "): Q_tau is not finite at sweep " + std::to_string(sweep));
    }
    if (change <= tolerance) break;
    if (sweep == max_iterations) {
      throw std::runtime_error("soft policy iteration (tau = " + format_number(tau) +
                               ") did not converge in " + std::to_string(max_iterations) +
                               " sweeps: the last change of Q_tau was " + format_number(change) +
                               ", above the tolerance " + format_number(tolerance) + " (" +
                               format_brief(accuracy) + " of the regularised value scale)");
    }
    soft_greedy(evaluation.q, tau, solution.policy, solution.log_policy, soft_value);
    previous_q.swap(evaluation.q);
  }
  solution.v = evaluation.v;
  solution.q = evaluation.q;
  solution.objective = evaluation.objective;
  // pi*_tau is the soft greedy policy of Q*_tau (one step past the last policy evaluated, and
  // equal to it within the tolerance), and V*_tau must be its soft maximum.
  soft_greedy(solution.q, tau, solution.policy, solution.log_policy, soft_value);
  solution.soft_bellman_residual = (solution.v - soft_value).cwiseAbs().maxCoeff();
  solution.soft_bellman_check_passed = solution.soft_bellman_residual <= tolerance;
  return solution;
}

}  // namespace tabrl
