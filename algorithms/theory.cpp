#include "theory.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include <tabrl/core/parallel.hpp>

namespace tabrl {

double spma_contraction_constant(const Evaluation& evaluation) {
  std::vector<double> work;
  return spma_contraction_constant(evaluation, work);
}

double spma_contraction_constant(const Evaluation& evaluation, std::vector<double>& minima) {
  const StateActionMatrix& q = evaluation.q;
  // A minimum over the states: per fixed chunk (in parallel for large S), then over the chunks;
  // a minimum is exact, so the result does not depend on the thread count.
  const Index chunks = (q.rows() + kReductionChunk - 1) / kReductionChunk;
  minima.assign(static_cast<std::size_t>(chunks), std::numeric_limits<double>::infinity());
  const Index actions = q.cols();
  chunked_for(q.rows(), [&](Index begin, Index end) {
    double constant = std::numeric_limits<double>::infinity();
    for (Index s = begin; s < end; ++s) {
      const double* values = q.data() + s * actions;
      const double* advantages = evaluation.advantage.data() + s * actions;
      // One pass: the greedy action (the first of the largest Q), the largest Q of the other
      // actions (an action equal to the greedy one's Q counts, giving a gap of 0), and whether
      // any advantage is positive. A row with a NaN (a diverged evaluation) says nothing, and is
      // skipped. Selections, not branches: which action is greedy is data, and mispredicted
      // branches cost more than the comparisons.
      Index greedy = 0;
      double best = values[0];
      double runner_up = -std::numeric_limits<double>::infinity();
      bool improvable = advantages[0] > 0.0, defined = !std::isnan(advantages[0]);
      for (Index a = 1; a < actions; ++a) {
        const double value = values[a];
        const bool better = value > best;
        runner_up = better ? best : std::max(runner_up, value);
        greedy = better ? a : greedy;
        best = better ? value : best;
        improvable = improvable | (advantages[a] > 0.0);
        defined = defined & !std::isnan(advantages[a]);
      }
      if (!(improvable && defined)) continue;
      // A single action has no competitor: its gap is infinite and it never limits C_t.
      const double gap = best - runner_up;
      if (std::isinf(gap)) continue;
      constant = std::min(constant, evaluation.policy(s, greedy) * gap);
    }
    minima[static_cast<std::size_t>(begin / kReductionChunk)] = constant;
  });
  double constant = std::numeric_limits<double>::infinity();
  for (const double minimum : minima) constant = std::min(constant, minimum);
  return std::isinf(constant) ? std::numeric_limits<double>::quiet_NaN() : constant;
}

double spma_safe_step(const Mdp& mdp) { return (1.0 - mdp.gamma()) / mdp.reward_scale(); }

double safe_step_rule(const Mdp& mdp) { return 0.99 * spma_safe_step(mdp); }

double spg_theory_step(const Mdp& mdp) {
  const double range = mdp.reward_scale();
  if (mdp.is_bandit()) return 2.0 / (5.0 * range);
  const double horizon = 1.0 - mdp.gamma();
  return horizon * horizon * horizon / (8.0 * range);
}

double spg_entropy_theory_step(const Mdp& mdp, double tau) {
  const double horizon = 1.0 - mdp.gamma();
  const double log_actions = std::log(static_cast<double>(mdp.num_actions()));
  return horizon * horizon * horizon / (8.0 * mdp.reward_range() + tau * (4.0 + 8.0 * log_actions));
}

double apg_theory_step(const Mdp& mdp) {
  const double range = mdp.reward_scale();
  const double horizon = 1.0 - mdp.gamma();
  return horizon * horizon * horizon / (16.0 * range);
}

double bandit_min_gap(const Mdp& mdp) {
  const auto means = mdp.rewards().row(0);
  const double best_mean = means.maxCoeff();
  double gap = std::numeric_limits<double>::infinity();
  for (Index a = 0; a < means.size(); ++a) {
    if (means[a] < best_mean) gap = std::min(gap, best_mean - means[a]);
  }
  return gap;
}

namespace {

// Calls visit(a) for every arm whose mean is the largest (exact ties: a* of a bandit), in order.
template <class Visit>
void for_each_optimal_arm(const Mdp& mdp, Visit visit) {
  const auto means = mdp.rewards().row(0);
  const double best_mean = means.maxCoeff();
  for (Index a = 0; a < means.size(); ++a) {
    if (means[a] == best_mean) visit(a);
  }
}

}  // namespace

double optimal_arms_probability(const Mdp& mdp, const StateActionMatrix& policy) {
  double total = 0.0;
  for_each_optimal_arm(mdp, [&](Index a) { total += policy(0, a); });
  return total;
}

double largest_optimal_arm_probability(const Mdp& mdp, const StateActionMatrix& policy) {
  double largest = 0.0;
  for_each_optimal_arm(mdp, [&](Index a) { largest = std::max(largest, policy(0, a)); });
  return largest;
}

double spma_bandit_constant_step_bound(double delta0, double step_size, double pi0_best,
                                       double min_gap, int iterations) {
  // Every arm optimal: no gap, and delta is 0 (up to rounding) throughout.
  if (std::isinf(min_gap)) return delta0;
  return delta0 * std::pow(1.0 - step_size * pi0_best * min_gap, iterations);
}

double npg_suboptimality_bound(Index num_actions, double step_size, double gamma, int iterations,
                               double reward_range) {
  const double horizon = 1.0 - gamma;
  const double t = iterations;
  return std::log(static_cast<double>(num_actions)) / (step_size * horizon * t) +
         reward_range / (horizon * horizon * t);
}

double cen_entropy_constant(const StateActionMatrix& q_star, const StateActionMatrix& q_initial,
                            const StateActionMatrix& log_policy_star,
                            const StateActionMatrix& log_policy_initial, double tau,
                            double step_size) {
  return (q_star - q_initial).cwiseAbs().maxCoeff() +
         2.0 * tau * (1.0 - step_size * tau) *
             (log_policy_star - log_policy_initial).cwiseAbs().maxCoeff();
}

double cen_entropy_bound(double constant, double gamma, double tau, double step_size,
                         int iteration) {
  if (iteration < 1) return std::numeric_limits<double>::quiet_NaN();
  return constant * gamma *
         std::pow(1.0 - (1.0 - gamma) * step_size * tau, static_cast<double>(iteration - 1));
}

}  // namespace tabrl
