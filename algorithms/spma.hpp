// SPMA, softmax policy mirror ascent (Asad, Babanezhad, Laradji, Le Roux, Vaswani, AISTATS 2025,
// arXiv 2411.12042):
//   pi_{t+1}[s, a] = pi_t[s, a] (1 + eta A_t[s, a]),   in logits  z += log1p(eta A_t).
// No normalisation is needed because sum_a pi A = 0. The update is defined only while
// 1 + eta A_t > 0 everywhere, guaranteed for eta < (1 - gamma) / R. For a larger eta a violating
// step ends the run with status step_invalid, unless `clip` is set: then the factor is
// max(1 + eta A, clip_floor) and the row is renormalised (the sMDPO form of Vaswani et al. 2021),
// and the number of clipped states is recorded.
//
// Bandits also have the gap-dependent step eta_{a,a'} = 1 / |r(a) - r(a')| (docs/theory.md,
// "Convergence guarantees"):
//   pi_{t+1}(a) = pi_t(a) (1 + sum_a' pi_t(a') sign(r(a) - r(a'))),  with 1 - pi_t(a*) squaring
// every step.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct SpmaOptions {
  double step_size = 0.0;      // eta; ignored with gap_dependent
  bool geometric = false;      // eta_t = eta gamma^(-t)
  bool gap_dependent = false;  // bandits only
  bool clip = false;
  double clip_floor = 1e-8;

  void validate(const Mdp& mdp) const;  // throws InputError naming the field
};

class Spma final : public UpdateRule {
 public:
  Spma(const Mdp& mdp, SpmaOptions options);
  std::string name() const override { return "spma"; }
  bool needs_visitation() const override { return false; }  // its step never reads d
  const SpmaOptions& options() const { return options_; }
  TheoryBound theory_bound(const Mdp& mdp) const override;
  double nominal_step_size() const override { return options_.step_size; }
  // spma_c is C_t of docs/theory.md, "Convergence guarantees"; clipped (clip mode only) counts
  // states with a clipped action.
  std::vector<std::string> diagnostic_names() const override;
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  StepReport gap_dependent_step(const Mdp& mdp, const StateActionMatrix& logits,
                                StateActionMatrix& next_logits);
  SpmaOptions options_;
  std::vector<double> partials_;  // chunk sums of the step (core/parallel.hpp)
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry spma_algorithm();

}  // namespace tabrl
