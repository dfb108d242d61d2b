// MDPO, mirror descent policy optimisation (Tomar, Shani, Efroni, Ghavamzadeh 2020,
// arXiv 2005.09814), exact and tabular (docs/algorithms.md, "mdpo"). Each update makes m plain
// gradient steps on the KL-regularised surrogate of pi_t = softmax(z_t), starting from z_t:
//   L_t(theta) = sum_s d_t[s] (sum_a p A_t - KL(p[s] || pi_t[s]) / eta),   p = softmax(theta),
//   dL/dtheta[s,a] = d_t[s] p[s,a] ((A_t[s,a] - <p, A_t>_s) - (log(p/pi_t)[s,a] - KL_s) / eta),
//   theta^0 = z_t,  theta^{k+1} = theta^k + alpha dL/dtheta(theta^k),  z_{t+1} = theta^m.
// The maximiser of L_t is NPG's pi_t exp(eta A_t) (normalised), so m -> infinity gives NPG.
// eta is the run's step size (eta gamma^(-t) under the geometric schedule); alpha the inner one.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct MdpoOptions {
  double step_size = 0.0;        // eta, the weight 1/eta of the KL term
  bool geometric = false;        // eta_t = eta gamma^(-t)
  int inner_steps = 10;          // m >= 1
  double inner_step_size = 0.0;  // alpha > 0
  void validate() const;         // throws InputError naming the field
};

class Mdpo final : public UpdateRule {
 public:
  explicit Mdpo(MdpoOptions options);
  std::string name() const override { return "mdpo"; }
  const MdpoOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  // inner_lost: the states whose inner steps ended below their start on L_t (inner_steps.hpp).
  std::vector<std::string> diagnostic_names() const override { return {"inner_lost"}; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  MdpoOptions options_;
  // One state's work rows, sized at the first step.
  Vector log_policy_;  // log pi_t[s, :] from z_t
  Vector inner_;       // p = softmax(theta[s, :])
  Vector log_ratio_;   // log p - log pi_t, from the logits
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry mdpo_algorithm();

}  // namespace tabrl
