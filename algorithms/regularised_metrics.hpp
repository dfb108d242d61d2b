// What the entropy-regularised methods npg_entropy and spg_entropy share (docs/algorithms.md,
// "Entropy-regularised methods"): the check of the temperature tau, the regularised optimum of
// the run, the regularised evaluation of each iterate and the curve columns
//   reg_suboptimality = rho^T (V*_tau - V_tau^{pi_t}),
//   reg_q_error_inf = max |Q*_tau - Q_tau^{pi_t}|.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tabrl/algorithms/update_rule.hpp>
#include <tabrl/core/soft_optimal.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

// Throws InputError (field "tau") unless 0 < tau < infinity and the entropy bonuses
// tau log A / (1 - gamma) of `mdp` stay within double range: the conditions solve_soft_optimal
// would otherwise raise at the first step.
void validate_temperature(double tau, const Mdp& mdp);

// The required parameter `tau` (> 0) of both registry entries.
ParameterInfo temperature_parameter();

// The curve columns RegularisedMetrics fills, in its order.
std::vector<std::string> regularised_diagnostic_names();

class RegularisedMetrics {
 public:
  explicit RegularisedMetrics(double tau) : tau_(tau) {}

  // At iteration 0 (and on a first call at any iteration) solves the regularised optimum with
  // the run's solver kind. Then evaluates pi_t regularised on the run's evaluator: called right
  // after the loop's evaluation of the same policy, it reuses that factorisation. Fills
  // diagnostics[0] (reg_suboptimality) and diagnostics[1] (reg_q_error_inf).
  const RegularisedEvaluation& evaluate(const StepContext& context, const Evaluation& evaluation,
                                        std::span<double> diagnostics);

  // The regularised optimum of the run; only after the first evaluate.
  const SoftOptimalSolution& optimum() const { return *optimum_; }

 private:
  double tau_;
  std::optional<SoftOptimalSolution> optimum_;
  RegularisedEvaluation regularised_;
};

}  // namespace tabrl
