#include "smdpo.hpp"

#include <cmath>

#include <tabrl/algorithms/inner_steps.hpp>
#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {

void SmdpoOptions::validate() const {
  validate_step_size(step_size);
  validate_inner_steps(inner_steps, inner_step_size);
}

Smdpo::Smdpo(SmdpoOptions options) : options_(options) { options_.validate(); }

StepReport Smdpo::step(const StepContext& context, const Evaluation& evaluation,
                       const StateActionMatrix& logits, StateActionMatrix& next_logits,
                       std::span<double> /*diagnostics*/) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  const Index actions = logits.cols();
  if (inner_.size() != actions) inner_.resize(actions);
  const double alpha = options_.inner_step_size;
  next_logits = logits;  // theta^0 = z_t
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
  }
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
          .diagnostics = {},
          .make = [](const SpecArguments& args, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<Smdpo>(
                SmdpoOptions{.step_size = step.value,
                             .geometric = step.geometric,
                             .inner_steps = args.integer("inner_steps"),
                             .inner_step_size = args.number("inner_step_size")}));
          }};
}

}  // namespace tabrl
