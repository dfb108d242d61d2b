// APG, accelerated softmax policy gradient: Nesterov momentum on the logits with a monotone
// restart (Chen, Huang, Lee, Hsieh, ICML 2024, arXiv 2310.11897). With g = dJ/dz and
// theta_0 = omega_0 = z_0:
//   theta_{t+1} = omega_t + eta (t+1)/(t+2) g(omega_t),
//   phi_{t+1}   = theta_{t+1} + t/(t+3) (theta_{t+1} - theta_t),
//   omega_{t+1} = phi_{t+1} if J(phi_{t+1}) >= J(theta_{t+1}), else theta_{t+1} (a restart).
// The loop evaluates and records pi(theta_t); the momentum point phi_t is evaluated here with
// the run's evaluator, once, at step t, where J(theta_t) is known (docs/algorithms.md, "apg").
// The column `restarted` is 1 on row t when omega_t = theta_t because J(phi_t) < J(theta_t).
// Step rule `theory`: (1 - gamma)^3 / (16 R) (apg_theory_step).
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct ApgOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t) in place of eta
  void validate() const;   // throws InputError naming the field
};

class Apg final : public UpdateRule {
 public:
  explicit Apg(ApgOptions options);
  std::string name() const override { return "apg"; }
  const ApgOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  std::vector<std::string> diagnostic_names() const override { return {"restarted"}; }
  // The step size reported for row t is eta_t (t+1)/(t+2), the factor of g(omega_t).
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& theta, StateActionMatrix& next_theta,
                  std::span<double> diagnostics) override;

 private:
  ApgOptions options_;
  StateActionMatrix previous_theta_;  // theta_{t-1}
  StateActionMatrix phi_;             // the momentum point phi_t
  Evaluation phi_evaluation_;
  StateActionMatrix gradient_;  // g(omega_t)
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry apg_algorithm();

}  // namespace tabrl
