// sMDPO, the softmax form of functional mirror ascent (Vaswani, Bachem, Totaro, Mueller, Garg,
// Geist, Machado, Castro, Le Roux, AISTATS 2022, arXiv 2108.05828), exact and tabular
// (docs/algorithms.md, "smdpo"). Each update makes m plain gradient steps, from z_t, on
//   L_t(theta) = (1/eta) sum_s d_t[s] sum_a pi_t (1 + eta A_t) log p,   p = softmax(theta),
//   dL/dtheta[s,a] = d_t[s] (pi_t (1 + eta A_t) - p)[s,a] / eta,
//   theta^0 = z_t,  theta^{k+1} = theta^k + alpha dL/dtheta(theta^k),  z_{t+1} = theta^m.
// While 1 + eta A_t > 0 the maximiser is SPMA's pi_t (1 + eta A_t), so m -> infinity gives SPMA;
// the inner steps themselves are defined for every eta. eta is the run's step size (eta
// gamma^(-t) under the geometric schedule); alpha the inner one.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct SmdpoOptions {
  double step_size = 0.0;        // eta
  bool geometric = false;        // eta_t = eta gamma^(-t)
  int inner_steps = 10;          // m >= 1
  double inner_step_size = 0.0;  // alpha > 0
  void validate() const;         // throws InputError naming the field
};

class Smdpo final : public UpdateRule {
 public:
  explicit Smdpo(SmdpoOptions options);
  std::string name() const override { return "smdpo"; }
  const SmdpoOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  // inner_lost: the states whose inner steps ended below their start on L_t (inner_steps.hpp).
  std::vector<std::string> diagnostic_names() const override { return {"inner_lost"}; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  SmdpoOptions options_;
  Vector inner_;  // p = softmax(theta[s, :]) of one state, sized at the first step
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry smdpo_algorithm();

}  // namespace tabrl
