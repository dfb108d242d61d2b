// Softmax policy gradient on the entropy-regularised objective J_tau (Mei, Xiao, Szepesvari,
// Schuurmans, ICML 2020, arXiv 2005.06392): gradient ascent on logits
//   z_{t+1} = z_t + eta dJ_tau/dz,
//   dJ_tau/dz[s, a] = d[s] pi[s, a] (Q_tau[s, a] - tau log pi[s, a] - V_tau[s]) / (1 - gamma),
// with d the ordinary visitation of pi_t (docs/theory.md, "Entropy regularisation"), log pi taken
// from the logits. Theory step (1 - gamma)^3 / (8 R + tau (4 + 8 log A)) (spg_entropy_theory_step),
// under which Mei et al. prove linear convergence of J_tau to J*_tau.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/regularised_metrics.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct SpgEntropyOptions {
  double tau = 0.0;                     // temperature
  double step_size = 0.0;               // eta
  bool geometric = false;               // eta_t = eta gamma^(-t)
  void validate(const Mdp& mdp) const;  // throws InputError naming the field
};

class SpgEntropy final : public UpdateRule {
 public:
  SpgEntropy(const Mdp& mdp, SpgEntropyOptions options);
  std::string name() const override { return "spg_entropy"; }
  const SpgEntropyOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  double temperature() const override { return options_.tau; }
  std::vector<std::string> diagnostic_names() const override {
    return regularised_diagnostic_names();
  }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  SpgEntropyOptions options_;
  RegularisedMetrics metrics_;
  StateActionMatrix gradient_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry spg_entropy_algorithm();

}  // namespace tabrl
