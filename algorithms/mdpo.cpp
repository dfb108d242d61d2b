#include "mdpo.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/algorithms/inner_steps.hpp>
#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl {

void MdpoOptions::validate() const {
  validate_step_size(step_size);
  validate_inner_steps(inner_steps, inner_step_size);
}

Mdpo::Mdpo(MdpoOptions options) : options_(options) { options_.validate(); }

StepReport Mdpo::step(const StepContext& context, const Evaluation& evaluation,
                      const StateActionMatrix& logits, StateActionMatrix& next_logits,
                      std::span<double> diagnostics) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  const Index actions = logits.cols();
  if (inner_.size() != actions) {
    log_policy_.resize(actions);
    inner_.resize(actions);
    log_ratio_.resize(actions);
  }
  const double alpha = options_.inner_step_size;
  next_logits = logits;  // theta^0 = z_t
  Index lost = 0;        // states whose inner steps lost ground
  // The factors of the lost-ground check below: c = min(1, eta) and c / eta.
  const double c = std::min(1.0, eta), c_over_eta = c / eta;
  // L_t is a sum over states of terms in one state's logits each: the inner steps run state by
  // state, the same iterates as steps on the whole table.
  for (Index s = 0; s < logits.rows(); ++s) {
    const double weight = evaluation.visitation[s];
    const auto advantage = evaluation.advantage.row(s).transpose();
    const auto z = logits.row(s).transpose();
    auto theta = next_logits.row(s).transpose();
    const double z_normaliser = log_sum_exp(z);
    log_policy_ = z.array() - z_normaliser;
    for (int k = 0; k < options_.inner_steps; ++k) {
      // log p - log pi_t from the logits: an underflowed probability would make it -inf.
      const double log_normaliser = log_sum_exp(theta);
      log_ratio_ = (theta.array() - log_normaliser).matrix() - log_policy_;
      inner_ = (theta.array() - log_normaliser).exp();
      const double mean_advantage = inner_.dot(advantage);
      const double kl = inner_.dot(log_ratio_);
      for (Index a = 0; a < actions; ++a) {
        theta[a] += alpha * weight * inner_[a] *
                    ((advantage[a] - mean_advantage) - (log_ratio_[a] - kl) / eta);
      }
    }
    // An overflowed theta is the optimizer's non_finite; a finite one must not have lost ground.
    // The steps are the exact gradient of L_s; its change times c / d, with c = min(1, eta):
    //   c <p - pi_t, A> - (c / eta) KL(p || pi_t).
    if (!theta.allFinite()) continue;
    const double theta_normaliser = log_sum_exp(theta);
    const double rounding_scale = std::abs(theta_normaliser) + std::abs(z_normaliser);
    double gain = 0.0, magnitude = 0.0;
    for (Index a = 0; a < actions; ++a) {
      const double log_probability = theta[a] - theta_normaliser;
      const double probability = std::exp(log_probability);
      const double policy = std::exp(log_policy_[a]);
      gain += c * (probability - policy) * advantage[a] -
              c_over_eta * probability * (log_probability - log_policy_[a]);
      magnitude +=
          c * (probability + policy) * std::abs(advantage[a]) +
          c_over_eta * probability * (std::abs(theta[a]) + std::abs(z[a]) + rounding_scale);
    }
    if (inner_steps_lost_ground(gain, magnitude)) ++lost;
  }
  diagnostics[0] = static_cast<double>(lost);
  return {.step_size = eta};
}

AlgorithmEntry mdpo_algorithm() {
  return {.name = "mdpo",
          .description =
              "mirror descent policy optimisation: m gradient steps of size alpha on "
              "sum_s d (<p, A> - KL(p || pi_t)/eta) from z_t",
          .reference = "Tomar, Shani, Efroni, Ghavamzadeh 2020, arXiv 2005.09814",
          .parameters = inner_step_parameters(),
          .diagnostics = {"inner_lost"},
          .make = [](const SpecArguments& args, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<Mdpo>(
                MdpoOptions{.step_size = step.value,
                            .geometric = step.geometric,
                            .inner_steps = args.integer("inner_steps"),
                            .inner_step_size = args.number("inner_step_size")}));
          }};
}

}  // namespace tabrl
