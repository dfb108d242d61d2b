#include "regularised_metrics.hpp"

#include <cmath>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/metrics.hpp>

namespace tabrl {

void validate_temperature(double tau, const Mdp& mdp) {
  if (!(tau > 0.0 && std::isfinite(tau))) {
    throw InputError({.field = "tau"}, "must be > 0 and finite, got " + format_number(tau));
  }
  const double entropy_magnitude =
      tau * std::log(static_cast<double>(mdp.num_actions())) / (1.0 - mdp.gamma());
  if (!(entropy_magnitude <= kMaxValueMagnitude)) {
    throw InputError({.field = "tau"}, format_number(tau) + " gives entropy bonuses " +
                                           "tau log A / (1 - gamma) beyond " +
                                           format_number(kMaxValueMagnitude));
  }
}

ParameterInfo temperature_parameter() {
  return {.name = "tau",
          .type = "number",
          .default_value = "",
          .description = "temperature: weight of the entropy bonus tau H_pi in every reward",
          .range = {.low = 0.0, .low_open = true}};
}

std::vector<std::string> regularised_diagnostic_names() {
  return {"reg_suboptimality", "reg_q_error_inf"};
}

const RegularisedEvaluation& RegularisedMetrics::evaluate(const StepContext& context,
                                                          const Evaluation& evaluation,
                                                          std::span<double> diagnostics) {
  // The optimum is solved once per run, lazily because only the run knows its solver kind.
  if (context.iteration == 0 || !optimum_) {
    optimum_ = solve_soft_optimal(context.mdp, tau_, context.evaluator.solver());
  }
  context.evaluator.evaluate_regularised(evaluation.policy, tau_, regularised_);
  // The difference of vectors first, then the dot product, as for the suboptimality
  // (docs/theory.md, "Exact quantities of a policy").
  diagnostics[0] = suboptimality(context.mdp.rho(), optimum_->v, regularised_.v);
  diagnostics[1] = (optimum_->q - regularised_.q).cwiseAbs().maxCoeff();
  return regularised_;
}

}  // namespace tabrl
