// GNPG, normalised softmax policy gradient (Mei, Gao, Dai, Szepesvari, Schuurmans, ICML 2021,
// arXiv 2105.06072): a step of fixed length eta along the gradient of the logits,
//   z_{t+1} = z_t + eta g / ||g||,   g = dJ/dz at z_t, ||.|| the Frobenius norm over all (s, a).
// A gradient that is exactly zero has no direction: the run ends with status stationary
// (docs/algorithms.md, "gnpg"). The direction is computed from the advantages scaled by a power
// of two, so that tiny rewards do not underflow it to zero.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct GnpgOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  void validate() const;   // throws InputError naming the field
};

class Gnpg final : public UpdateRule {
 public:
  explicit Gnpg(GnpgOptions options);
  std::string name() const override { return "gnpg"; }
  const GnpgOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& logits, StateActionMatrix& next_logits,
                  std::span<double> diagnostics) override;

 private:
  GnpgOptions options_;
  StateActionMatrix gradient_;
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry gnpg_algorithm();

}  // namespace tabrl
