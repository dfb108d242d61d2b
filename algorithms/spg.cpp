#include "spg.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>

namespace tabrl {

void SpgOptions::validate() const { validate_step_size(step_size); }

Spg::Spg(SpgOptions options) : options_(options) { options_.validate(); }

TheoryBound Spg::theory_bound(const Mdp& mdp) const {
  // Mei et al. state the bandit bound for the step 2/(5R) exactly.
  const double theory = spg_theory_step(mdp);
  const bool at_theory_step = std::abs(options_.step_size - theory) <= 1e-12 * theory;
  return mdp.is_bandit() && at_theory_step && !options_.geometric ? TheoryBound::spg_bandit
                                                                  : TheoryBound::none;
}

StepReport Spg::step(const StepContext& context, const Evaluation& evaluation,
                     const StateActionMatrix& logits, StateActionMatrix& next_logits,
                     std::span<double> /*diagnostics*/) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  policy_gradient(evaluation, context.mdp.gamma(), gradient_);
  next_logits.noalias() = logits + eta * gradient_;
  return {.step_size = eta};
}

AlgorithmEntry spg_algorithm() {
  return {.name = "spg",
          .description = "softmax policy gradient: z += eta dJ/dz",
          .reference = "Mei, Xiao, Szepesvari, Schuurmans, ICML 2020, arXiv 2005.06392",
          .step_rules = {{"theory", "(1-gamma)^3/(8R) for MDPs, 2/(5R) for bandits"}},
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& mdp) {
            const double eta = step.rule == "theory" ? spg_theory_step(mdp) : step.value;
            return std::unique_ptr<UpdateRule>(
                std::make_unique<Spg>(SpgOptions{.step_size = eta, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
