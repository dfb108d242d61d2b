#include "smdpo.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/algorithms/inner_steps.hpp>
#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl {

void SmdpoOptions::validate() const {
  validate_step_size(step_size);
  validate_inner_steps(inner_steps, inner_step_size);
}

Smdpo::Smdpo(SmdpoOptions options) : options_(options) { options_.validate(); }

StepReport Smdpo::step(const StepContext& context, const Evaluation& evaluation,
                       const StateActionMatrix& logits, StateActionMatrix& next_logits,
                       std::span<double> diagnostics) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  const Index actions = logits.cols();
  if (inner_.size() != actions) inner_.resize(actions);
  const double alpha = options_.inner_step_size;
  next_logits = logits;  // theta^0 = z_t
  Index lost = 0;        // states whose inner steps lost ground
  // The factors of the lost-ground check below: c = min(1, eta) and c / eta.
  const double c = std::min(1.0, eta), c_over_eta = c / eta;
  // L_t is a sum over states of terms in one state's logits each: the inner steps run state by
  // state, the same iterates as steps on the whole table.
  for (Index s = 0; s < logits.rows(); ++s) {
    const double weight = evaluation.visitation[s];
    const auto policy = evaluation.policy.row(s);
    const auto advantage = evaluation.advantage.row(s);
    auto theta = next_logits.row(s);
    for (int k = 0; k < options_.inner_steps; ++k) {
      const double shift = theta.maxCoeff();
      double total = 0.0;
      for (Index a = 0; a < actions; ++a) total += (inner_[a] = std::exp(theta[a] - shift));
      inner_ /= total;
      // (pi_t (1 + eta A_t) - p) / eta written as (pi_t - p) / eta + pi_t A_t: the same number,
      // without rounding eta A_t against 1 when eta is small.
      for (Index a = 0; a < actions; ++a) {
        theta[a] += alpha * weight * ((policy[a] - inner_[a]) / eta + policy[a] * advantage[a]);
      }
    }
    // An overflowed theta is the optimizer's non_finite; a finite one must not have lost ground.
    // The steps (pi_t - p) / eta + pi_t A are the exact gradient of
    //   F_s = (d / eta) (sum_a pi_t (1 + eta A) theta_a - lse(theta)),
    // which is L_s when sum_a pi_t A = 0, as it is up to the evaluation's rounding; F_s is concave
    // with curvature at most d / (2 eta). Its change times c / d, with c = min(1, eta):
    //   sum_a pi_t (c/eta + c A) (log p - log pi_t) + c (sum_a pi_t A) (lse(theta) - lse(z_t)).
    if (!theta.allFinite()) continue;
    const auto z = logits.row(s);
    const double theta_normaliser = log_sum_exp(theta), z_normaliser = log_sum_exp(z);
    const double mean_advantage = policy.dot(advantage);
    double gain = c * mean_advantage * (theta_normaliser - z_normaliser);
    double magnitude =
        c * std::abs(mean_advantage) * (std::abs(theta_normaliser) + std::abs(z_normaliser));
    for (Index a = 0; a < actions; ++a) {
      if (policy[a] == 0.0) continue;
      const double log_ratio = (theta[a] - theta_normaliser) - (z[a] - z_normaliser);
      gain += policy[a] * (c_over_eta + c * advantage[a]) * log_ratio;
      magnitude += policy[a] * (c_over_eta + c * std::abs(advantage[a])) *
                   (std::abs(theta[a]) + std::abs(theta_normaliser) + std::abs(z[a]) +
                    std::abs(z_normaliser));
    }
    if (inner_steps_lost_ground(gain, magnitude)) ++lost;
  }
  diagnostics[0] = static_cast<double>(lost);
  return {.step_size = eta};
}

AlgorithmEntry smdpo_algorithm() {
  return {.name = "smdpo",
          .description =
              "softmax functional mirror ascent (sMDPO): m gradient steps of size alpha on "
              "(1/eta) sum_s d sum_a pi_t (1 + eta A) log p from z_t",
          .reference =
              "Vaswani, Bachem, Totaro, Mueller, Garg, Geist, Machado, Castro, Le Roux, "
              "AISTATS 2022, arXiv 2108.05828",
          .parameters = inner_step_parameters(),
          .diagnostics = {"inner_lost"},
          .make = [](const SpecArguments& args, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<Smdpo>(
                SmdpoOptions{.step_size = step.value,
                             .geometric = step.geometric,
                             .inner_steps = args.integer("inner_steps"),
                             .inner_step_size = args.number("inner_step_size")}));
          }};
}

}  // namespace tabrl
