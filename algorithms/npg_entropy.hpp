// NPG with entropy regularisation (Cen, Cheng, Chen, Wei, Chi 2021, arXiv 2007.06558), in logits
//   z_{t+1} = (1 - eta tau) z_t + eta Q_tau^{pi_t},   pi_{t+1} ∝ pi_t^(1 - eta tau) exp(eta Q_tau),
// with Q_tau of docs/theory.md, "Entropy regularisation". Cen et al.'s step is our
// (1 - gamma) eta. Defined for 0 < eta <= 1/tau; eta = 1/tau is soft policy iteration
// (z_{t+1} = Q_tau^{pi_t} / tau). A larger constant step is refused at construction; a geometric
// schedule whose step passes 1/tau ends the run with status step_invalid at that step.
// With a constant step (Cen et al., Theorem 1, in our eta):
//   ||Q*_tau - Q_tau^{pi_{t+1}}||_inf <= C_1 gamma (1 - (1 - gamma) eta tau)^t,
//   C_1 = ||Q*_tau - Q_tau^{pi_0}||_inf + 2 tau (1 - eta tau) ||log pi*_tau - log pi_0||_inf,
// compared with the column reg_q_error_inf through bound_value.
#pragma once

#include <limits>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/regularised_metrics.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct NpgEntropyOptions {
  double tau = 0.0;                     // temperature
  double step_size = 0.0;               // eta, at most 1 / tau
  bool geometric = false;               // eta_t = eta gamma^(-t)
  void validate(const Mdp& mdp) const;  // throws InputError naming the field
};

class NpgEntropy final : public UpdateRule {
 public:
  NpgEntropy(const Mdp& mdp, NpgEntropyOptions options);
  std::string name() const override { return "npg_entropy"; }
  const NpgEntropyOptions& options() const { return options_; }
  TheoryBound theory_bound(const Mdp& mdp) const override;
  // C_1 gamma (1 - (1 - gamma) eta tau)^(t - 1) at row t >= 1 of a constant-step run; NaN at
  // row 0, for geometric steps and before the run's first step.
  double bound_value(int iteration) const override;
  double nominal_step_size() const override { return options_.step_size; }
  double temperature() const override { return options_.tau; }
  std::vector<std::string> diagnostic_names() const override {
    return regularised_diagnostic_names();
  }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  NpgEntropyOptions options_;
  double gamma_;
  RegularisedMetrics metrics_;
  double bound_constant_ = std::numeric_limits<double>::quiet_NaN();  // C_1, at iteration 0
  StateActionMatrix initial_policy_, initial_log_policy_;             // pi_0, log pi_0
  Vector initial_log_normaliser_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry npg_entropy_algorithm();

}  // namespace tabrl
