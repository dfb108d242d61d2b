#include "gnpg.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>

namespace tabrl {

void GnpgOptions::validate() const { validate_step_size(step_size); }

Gnpg::Gnpg(GnpgOptions options) : options_(options) { options_.validate(); }

StepReport Gnpg::step(const StepContext& context, const Evaluation& evaluation,
                      const StateActionMatrix& logits, StateActionMatrix& next_logits,
                      std::span<double> /*diagnostics*/) {
  const int t = context.iteration;
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(), t);
  if (!std::isfinite(eta)) return non_finite_step(eta, t);
  policy_gradient(evaluation, context.mdp.gamma(), gradient_);
  if ((gradient_.array() == 0.0).all()) {
    return {.step_size = eta,
            .outcome = StepOutcome::stationary,
            .message = "the gradient at iteration " + std::to_string(t) +
                       " is exactly zero: GNPG has no direction to move in"};
  }
  // stableNorm: the squares of a tiny gradient would underflow. The unit direction g / ||g|| is
  // formed first, since eta / ||g|| can overflow.
  const double norm = gradient_.stableNorm();
  next_logits.noalias() = logits + eta * (gradient_ / norm);
  return {.step_size = eta};
}

AlgorithmEntry gnpg_algorithm() {
  return {.name = "gnpg",
          .description = "normalised softmax policy gradient: z += eta g / ||g||",
          .reference = "Mei, Gao, Dai, Szepesvari, Schuurmans, ICML 2021, arXiv 2105.06072",
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<Gnpg>(
                GnpgOptions{.step_size = step.value, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
