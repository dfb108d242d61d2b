// Running a method and keeping every iterate's V, for checks across consecutive iterations.
#pragma once

#include <string>
#include <vector>

#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl::testing {

struct Trace final : IterationCallback {
  std::vector<Vector> values;
  std::vector<double> objectives;
  std::vector<double> value_errors;
  std::vector<double> suboptimalities;
  std::vector<double> optimal_action_probs;
  std::vector<double> step_sizes;
  std::vector<std::vector<double>> diagnostics;
  std::vector<StateActionMatrix> policies;
  bool keep_policies = false;

  CallbackAction on_iteration(const IterationSummary& summary) override {
    values.push_back(summary.evaluation.v);
    objectives.push_back(summary.objective);
    value_errors.push_back(summary.value_error_inf);
    suboptimalities.push_back(summary.suboptimality);
    optimal_action_probs.push_back(summary.optimal_action_prob);
    step_sizes.push_back(summary.step.step_size);
    diagnostics.emplace_back(summary.diagnostics.begin(), summary.diagnostics.end());
    if (keep_policies) policies.push_back(summary.evaluation.policy);
    return CallbackAction::proceed;
  }
};

inline OptimizerResult run_from_uniform(const Mdp& mdp, const OptimalSolution& optimal,
                                        UpdateRule& rule, int iterations,
                                        std::vector<IterationCallback*> callbacks) {
  return optimize(mdp, optimal, rule, uniform_logits(mdp.num_states(), mdp.num_actions()),
                  {.max_iterations = iterations}, callbacks);
}

// "spma, npg, ...": every registered algorithm name in registry order, as error messages list
// them.
inline std::string registered_names() {
  std::string names;
  for (const AlgorithmEntry& entry : algorithm_registry()) {
    names += (names.empty() ? "" : ", ") + entry.name;
  }
  return names;
}

}  // namespace tabrl::testing
