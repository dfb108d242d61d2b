// NPG, natural policy gradient = policy mirror descent with the KL divergence (Kakade 2001):
//   pi_{t+1}[s, a] ∝ pi_t[s, a] exp(eta A_t[s, a]),   in logits  z += eta A_t.
// Agarwal et al. (JMLR 2021, arXiv 1908.00261) write eta / (1 - gamma) for our eta.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct NpgOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  void validate() const;   // throws InputError naming the field
};

class Npg final : public UpdateRule {
 public:
  explicit Npg(NpgOptions options);
  std::string name() const override { return "npg"; }
  bool needs_visitation() const override { return false; }  // its step never reads d
  const NpgOptions& options() const { return options_; }
  TheoryBound theory_bound(const Mdp& mdp) const override;
  double nominal_step_size() const override { return options_.step_size; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  NpgOptions options_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry npg_algorithm();

}  // namespace tabrl
