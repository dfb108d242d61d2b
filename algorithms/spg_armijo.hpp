// SPG with an Armijo line search (Lu, Aghaei, Raj, Vaswani, RLC 2024, arXiv 2405.13136): softmax
// policy gradient whose step is found anew every iteration by backtracking from eta_max,
//   eta_t = eta_max beta^k, k the smallest of 0..60 with
//   J(z_t + eta_t g) >= J(z_t) + c eta_t ||g||^2,      z_{t+1} = z_t + eta_t g,
// with g = dJ/dz at z_t and ||.|| the Frobenius norm over all (s, a). Each trial point is
// evaluated exactly with the run's evaluator. eta_max is the run's step (eta gamma^(-t) under
// the geometric schedule). A gradient that is exactly zero accepts k = 0 (J is unchanged and
// the condition holds with equality); if no k is accepted the run ends with status
// line_search_failed (docs/algorithms.md, "spg_armijo").
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct SpgArmijoOptions {
  // The last exponent tried: eta_max beta^k for k = 0, ..., kMaxBacktracks.
  static constexpr int kMaxBacktracks = 60;

  double step_size = 0.0;  // eta_max
  bool geometric = false;  // eta_max gamma^(-t) at iteration t
  double c = 0.5;          // sufficient-increase constant, in (0, 1)
  double beta = 0.5;       // backtracking factor, in (0, 1)
  void validate() const;   // throws InputError naming the field
};

class SpgArmijo final : public UpdateRule {
 public:
  explicit SpgArmijo(SpgArmijoOptions options);
  std::string name() const override { return "spg_armijo"; }
  const SpgArmijoOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  // The step size reported is the accepted eta_t (NaN when none was).
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  SpgArmijoOptions options_;
  StateActionMatrix gradient_;
  Evaluation trial_evaluation_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry spg_armijo_algorithm();

}  // namespace tabrl
