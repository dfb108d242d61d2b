#include "spg_entropy.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>

namespace tabrl {

void SpgEntropyOptions::validate(const Mdp& mdp) const {
  validate_temperature(tau, mdp);
  validate_step_size(step_size);
}

SpgEntropy::SpgEntropy(const Mdp& mdp, SpgEntropyOptions options)
    : options_(options), metrics_(options.tau) {
  options_.validate(mdp);
}

StepReport SpgEntropy::step(const StepContext& context, const Evaluation& evaluation,
                            const StateActionMatrix& logits, StateActionMatrix& next_logits,
                            std::span<double> diagnostics) {
  const RegularisedEvaluation& regularised = metrics_.evaluate(context, evaluation, diagnostics);
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  entropy_policy_gradient(evaluation, regularised, logits, context.mdp.gamma(), options_.tau,
                          gradient_);
  next_logits.noalias() = logits + eta * gradient_;
  return {.step_size = eta};
}

AlgorithmEntry spg_entropy_algorithm() {
  return {.name = "spg_entropy",
          .description = "entropy-regularised softmax policy gradient: z += eta dJ_tau/dz",
          .reference = "Mei, Xiao, Szepesvari, Schuurmans, ICML 2020, arXiv 2005.06392",
          .parameters = {temperature_parameter()},
          .step_rules = {{"theory", "(1-gamma)^3/(8R + tau (4 + 8 log A))"}},
          .diagnostics = regularised_diagnostic_names(),
          .make = [](const SpecArguments& args, const StepSize& step, const Mdp& mdp) {
            const double tau = args.number("tau");
            const double eta =
                step.rule == "theory" ? spg_entropy_theory_step(mdp, tau) : step.value;
            return std::unique_ptr<UpdateRule>(std::make_unique<SpgEntropy>(
                mdp, SpgEntropyOptions{.tau = tau, .step_size = eta, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
