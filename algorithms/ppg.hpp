// PPG, projected policy gradient with the direct parameterisation (Agarwal, Kakade, Lee, Mahajan,
// JMLR 2021, arXiv 1908.00261; docs/algorithms.md, "ppg"): the parameters are the probabilities
// themselves, and each update is a gradient step projected back onto the simplex, state by state:
//   pi_{t+1}[s] = Proj(pi_t[s] + eta d_t[s] Q_t[s, :] / (1 - gamma)),
// with dJ/dpi[s,a] = d_t[s] Q_t[s,a] / (1 - gamma) and Proj the exact Euclidean projection
// (docs/theory.md, "Projection onto the simplex"). Probabilities may become exactly 0.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct PpgOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  void validate() const;   // throws InputError naming the field
};

class Ppg final : public UpdateRule {
 public:
  explicit Ppg(PpgOptions options);
  std::string name() const override { return "ppg"; }
  PolicyForm form() const override { return PolicyForm::probabilities; }
  const PpgOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& policy, StateActionMatrix& next_policy,
                  std::span<double> diagnostics) override;

 private:
  PpgOptions options_;
  Vector point_;  // one state's unprojected step
  Vector work_;   // the projection's sorted entries
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry ppg_algorithm();

}  // namespace tabrl
