// Policy iteration with exact evaluation (docs/algorithms.md, "pi"): direct parameterisation,
// no step size. pi_0 is the run's initial policy (softmax of its logits); then
//   pi_{t+1}[s] = the greedy action in Q^{pi_t}[s, :], lowest index on ties,
// except that a state keeps its current action while pi_t[s] is deterministic on that action
// and it is greedy, so that ties cannot make it cycle. "Greedy" is Q[s,a] == max_b Q[s,b]
// exactly, and "deterministic" is pi_t[s,a] == 1 exactly: no tolerance in either.
// Convergence: e_t <= gamma^t e_0 with e_t = ||V* - V^{pi_t}||_inf (docs/theory.md).
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

class PolicyIteration final : public UpdateRule {
 public:
  std::string name() const override { return "pi"; }
  bool needs_visitation() const override { return false; }  // its step never reads d
  PolicyForm form() const override { return PolicyForm::probabilities; }
  TheoryBound theory_bound(const Mdp& /*mdp*/) const override {
    return TheoryBound::pi_contraction;
  }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& policy, StateActionMatrix& next_policy,
                  std::span<double> diagnostics) override;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry pi_algorithm();

}  // namespace tabrl
