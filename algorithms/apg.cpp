#include "apg.hpp"

#include <cmath>
#include <limits>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>

namespace tabrl {

void ApgOptions::validate() const { validate_step_size(step_size); }

Apg::Apg(ApgOptions options) : options_(options) { options_.validate(); }

StepReport Apg::step(const StepContext& context, const Evaluation& evaluation,
                     const StateActionMatrix& theta, StateActionMatrix& next_theta,
                     std::span<double> diagnostics) {
  const int t = context.iteration;
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(), t);
  if (!std::isfinite(eta)) return non_finite_step(eta, t);
  const double step_size = eta * ((t + 1.0) / (t + 2.0));  // no overflow before eta itself

  // omega_t: theta_t itself at t = 0, else the momentum point phi_t unless it is worse.
  const StateActionMatrix* omega = &theta;
  const Evaluation* omega_evaluation = &evaluation;
  bool restarted = false;
  if (t == 0) {
    // The work storage takes its size here, so that no later iteration allocates
    // (docs/engine.md); theta_0's solution is where an iterative solver starts for phi.
    phi_ = theta;
    phi_evaluation_ = evaluation;
  } else {
    phi_.noalias() = theta + ((t - 1.0) / (t + 2.0)) * (theta - previous_theta_);
    // phi_1 = theta_1, and phi_t = theta_t whenever theta_t = theta_{t-1}: equal logits have
    // equal J, so phi is kept without a second evaluation of the same policy.
    if (!(phi_.array() == theta.array()).all()) {
      // Logits that overflowed have no value: J(phi) is NaN, never >= J(theta), so a restart.
      double phi_objective = std::numeric_limits<double>::quiet_NaN();
      if (phi_.allFinite()) {
        context.evaluator.evaluate_logits(phi_, phi_evaluation_);
        phi_objective = phi_evaluation_.objective;
      }
      if (phi_objective >= evaluation.objective) {
        omega = &phi_;
        omega_evaluation = &phi_evaluation_;
      } else {
        restarted = true;
      }
    }
  }
  diagnostics[0] = restarted ? 1.0 : 0.0;

  policy_gradient(*omega_evaluation, context.mdp.gamma(), gradient_);
  previous_theta_ = theta;
  next_theta.noalias() = *omega + step_size * gradient_;
  return {.step_size = step_size};
}

AlgorithmEntry apg_algorithm() {
  return {.name = "apg",
          .description = "accelerated (Nesterov) softmax policy gradient with monotone restart",
          .reference = "Chen, Huang, Lee, Hsieh, ICML 2024, arXiv 2310.11897",
          .step_rules = {{"theory", "(1-gamma)^3/(16R)"}},
          .diagnostics = {"restarted"},
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& mdp) {
            const double eta = step.rule == "theory" ? apg_theory_step(mdp) : step.value;
            return std::unique_ptr<UpdateRule>(
                std::make_unique<Apg>(ApgOptions{.step_size = eta, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
