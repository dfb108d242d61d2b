// Value iteration (docs/algorithms.md, "vi"): no step size, and the run's initial logits are
// ignored. From V_0 = 0,
//   W_t = r + gamma P V_t,   V_{t+1}[s] = max_a W_t[s, a],
// and row t of the curve is the policy greedy in W_t (lowest index on ties), evaluated exactly
// like every other iterate. The column vi_error_inf = max_s |V_t[s] - V*[s]| is the error of the
// iterate V_t itself, which contracts: ||V_t - V*||_inf <= gamma^t ||V*||_inf (docs/theory.md).
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

class ValueIteration final : public UpdateRule {
 public:
  std::string name() const override { return "vi"; }
  bool needs_visitation() const override { return false; }  // its step never reads d
  PolicyForm form() const override { return PolicyForm::probabilities; }
  TheoryBound theory_bound(const Mdp& /*mdp*/) const override {
    return TheoryBound::vi_contraction;
  }
  std::vector<std::string> diagnostic_names() const override { return {"vi_error_inf"}; }
  // V_0 = 0 and the policy greedy in W_0 = r; the initial logits play no part.
  void initialize(const StepContext& context, const StateActionMatrix& initial_logits,
                  StateActionMatrix& parameters) override;
  // Reports vi_error_inf of V_t, then moves to V_{t+1} and its greedy policy. The rule carries
  // V_t from one call to the next: the loop calls it once per iteration, in order, after
  // initialize (anything else is a bug: std::logic_error).
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& policy, StateActionMatrix& next_policy,
                  std::span<double> diagnostics) override;

 private:
  // W = r + gamma P V_, and the policy greedy in it.
  void look_ahead(const Mdp& mdp, StateActionMatrix& greedy);

  Vector values_;                 // V_t
  int next_iteration_ = -1;       // the t of the next step; -1 before initialize
  StateActionMatrix look_ahead_;  // W_t = r + gamma P V_t
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry vi_algorithm();

}  // namespace tabrl
