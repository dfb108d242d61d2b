#include "gnpg.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>

namespace tabrl {
namespace {

// The policy gradient d pi A / (1 - gamma) times 2^k, with k such that the largest |A| lies in
// [1, 2). GNPG moves along g / ||g||, which a positive factor leaves as it is, and the factor is
// exact (the advantages are scaled before any product), so a run at an ordinary reward scale
// keeps its bits; without it the gradient of tiny advantages (rewards of 1e-320) underflowed to
// zero, and the run ended "stationary" where the policy was not.
void scaled_policy_gradient(const Evaluation& evaluation, double gamma,
                            StateActionMatrix& gradient) {
  const double largest = evaluation.advantage.cwiseAbs().maxCoeff();
  const int exponent = largest > 0.0 && std::isfinite(largest) ? -std::ilogb(largest) : 0;
  gradient.resize(evaluation.policy.rows(), evaluation.policy.cols());
  for (Index s = 0; s < gradient.rows(); ++s) {
    const double weight = evaluation.visitation[s] / (1.0 - gamma);
    for (Index a = 0; a < gradient.cols(); ++a) {
      gradient(s, a) =
          evaluation.policy(s, a) * std::ldexp(evaluation.advantage(s, a), exponent) * weight;
    }
  }
}

}  // namespace

void GnpgOptions::validate() const { validate_step_size(step_size); }

Gnpg::Gnpg(GnpgOptions options) : options_(options) { options_.validate(); }

StepReport Gnpg::step(const StepContext& context, const Evaluation& evaluation,
                      const StateActionMatrix& logits, StateActionMatrix& next_logits,
                      std::span<double> /*diagnostics*/) {
  const int t = context.iteration;
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(), t);
  if (!std::isfinite(eta)) return non_finite_step(eta, t);
  scaled_policy_gradient(evaluation, context.mdp.gamma(), gradient_);
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
