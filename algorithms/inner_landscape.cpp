#include "inner_landscape.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/core/policy.hpp>

namespace tabrl {

double inner_objective_value(InnerObjective objective, const FeatureMatrix& features,
                             const Evaluation& evaluation, double eta, const Vector& theta,
                             Vector& gradient) {
  const StateActionMatrix& pi = evaluation.policy;
  const StateActionMatrix& advantage = evaluation.advantage;
  StateActionMatrix z;
  features.logits(theta, z);
  const Index states = z.rows(), actions = z.cols();
  StateActionMatrix logit_gradient(states, actions);
  double value = 0.0;
  for (Index s = 0; s < states; ++s) {
    const Eigen::ArrayXd log_p = z.row(s).array().transpose() - log_sum_exp(z.row(s));
    const Eigen::ArrayXd p = log_p.exp();
    const double d = evaluation.visitation[s];
    if (objective == InnerObjective::spma) {
      // (1/eta) sum_a w log p with w = pi (1 + eta A); logit gradient (w - p sum_b w_b) / eta.
      const Eigen::ArrayXd w =
          pi.row(s).array().transpose() * (1.0 + eta * advantage.row(s).array().transpose());
      value += d * (w * log_p).sum() / eta;
      logit_gradient.row(s) = (d * (w - p * w.sum()) / eta).transpose();
    } else {
      // sum_a p A - KL(p || pi_t) / eta; logit gradient
      // p ((A - <p, A>) - (log(p / pi_t) - KL) / eta).
      const Eigen::ArrayXd a = advantage.row(s).array().transpose();
      const Eigen::ArrayXd log_ratio = log_p - pi.row(s).array().transpose().log();
      const double mean_advantage = (p * a).sum();
      const double kl = (p * log_ratio).sum();
      value += d * (mean_advantage - kl / eta);
      logit_gradient.row(s) = (d * p * ((a - mean_advantage) - (log_ratio - kl) / eta)).transpose();
    }
  }
  features.pull_back(logit_gradient, gradient);
  return value;
}

namespace {

// Monotone gradient ascent from `start` (AscentOptions): Armijo's sufficient increase with
// backtracking, the trial step doubling after each accepted step. Near a maximum the increase
// falls below rounding while the gradient still shrinks, so a step that does not lower the value
// beyond rounding and reduces the gradient is accepted too.
InnerLanding ascend(InnerObjective objective, const FeatureMatrix& features,
                    const Evaluation& evaluation, double eta, const Vector& start,
                    const AscentOptions& options) {
  InnerLanding landing{.start = start, .theta = start};
  Vector gradient, trial_gradient;
  double value =
      inner_objective_value(objective, features, evaluation, eta, landing.theta, gradient);
  double step = 1.0;
  while (landing.steps < options.max_steps && gradient.norm() > options.tolerance) {
    const double slope = gradient.squaredNorm();
    bool accepted = false;
    for (int halving = 0; halving < 80 && !accepted; ++halving) {
      const Vector trial = landing.theta + step * gradient;
      const double trial_value =
          inner_objective_value(objective, features, evaluation, eta, trial, trial_gradient);
      const double rounding = 1e-14 * (1.0 + std::abs(value));
      const bool increase = trial_value >= value + 1e-4 * step * slope;
      const bool flat = trial_value >= value - rounding && trial_gradient.norm() < gradient.norm();
      if (std::isfinite(trial_value) && (increase || flat)) {
        landing.theta = trial;
        value = trial_value;
        gradient.swap(trial_gradient);
        accepted = true;
        step *= 2.0;
      } else {
        step *= 0.5;
      }
    }
    if (!accepted) break;  // stalled at rounding
    ++landing.steps;
  }
  landing.value = value;
  landing.gradient_norm = gradient.norm();
  landing.converged = landing.gradient_norm <= options.tolerance;
  StateActionMatrix z;
  features.logits(landing.theta, z);
  softmax_rows(z, landing.policy);
  return landing;
}

}  // namespace

InnerLandscape explore_inner_landscape(InnerObjective objective, const FeatureMatrix& features,
                                       const Evaluation& evaluation, double eta,
                                       const std::vector<Vector>& starts,
                                       const AscentOptions& options) {
  // Policies are compared on the visited states: the objectives do not see the others.
  const auto difference = [&](const StateActionMatrix& a, const StateActionMatrix& b) {
    double largest = 0.0;
    for (Index s = 0; s < a.rows(); ++s) {
      if (evaluation.visitation[s] > 0.0)
        largest = std::max(largest, (a.row(s) - b.row(s)).cwiseAbs().maxCoeff());
    }
    return largest;
  };
  InnerLandscape landscape;
  std::vector<int> representatives;  // the first landing of each basin
  for (const Vector& start : starts) {
    InnerLanding landing = ascend(objective, features, evaluation, eta, start, options);
    landing.basin = -1;
    if (landing.converged) {
      for (const int r : representatives) {
        if (difference(landing.policy, landscape.landings[static_cast<std::size_t>(r)].policy) <=
            options.same_policy) {
          landing.basin = landscape.landings[static_cast<std::size_t>(r)].basin;
          break;
        }
      }
      if (landing.basin < 0) {
        landing.basin = landscape.distinct++;
        representatives.push_back(static_cast<int>(landscape.landings.size()));
      }
    }
    landscape.landings.push_back(std::move(landing));
  }
  for (const InnerLanding& a : landscape.landings) {
    for (const InnerLanding& b : landscape.landings) {
      if (!a.converged || !b.converged) continue;
      landscape.policy_spread = std::max(landscape.policy_spread, difference(a.policy, b.policy));
      landscape.value_spread = std::max(landscape.value_spread, std::abs(a.value - b.value));
    }
  }
  return landscape;
}

}  // namespace tabrl
