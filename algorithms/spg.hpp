// SPG, softmax policy gradient (Mei et al. ICML 2020, arXiv 2005.06392): gradient ascent on logits
//   z += eta dJ/dz,   dJ/dz[s, a] = d[s] pi[s, a] A[s, a] / (1 - gamma).
// Theory step eta = (1 - gamma)^3 / (8 R) for MDPs, 2 / (5 R) for bandits (spg_theory_step).
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct SpgOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  void validate() const;   // throws InputError naming the field
};

class Spg final : public UpdateRule {
 public:
  explicit Spg(SpgOptions options);
  std::string name() const override { return "spg"; }
  const SpgOptions& options() const { return options_; }
  TheoryBound theory_bound(const Mdp& mdp) const override;
  double nominal_step_size() const override { return options_.step_size; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  SpgOptions options_;
  StateActionMatrix gradient_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry spg_algorithm();

}  // namespace tabrl
