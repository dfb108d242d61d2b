// PMD with the squared Euclidean distance, or projected Q-ascent (Xiao, JMLR 2022,
// arXiv 2201.07443; docs/algorithms.md, "pmd_euclidean"): direct parameterisation, and in every
// state a step along Q_t projected back onto the simplex,
//   pi_{t+1}[s] = Proj(pi_t[s] + eta Q_t[s, :]),
// Proj the exact Euclidean projection (docs/theory.md, "Projection onto the simplex"). Unlike
// ppg the step is not weighted by the visitation d_t. Probabilities may become exactly 0.
#pragma once

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

struct PmdEuclideanOptions {
  double step_size = 0.0;  // eta
  bool geometric = false;  // eta_t = eta gamma^(-t)
  void validate() const;   // throws InputError naming the field
};

class PmdEuclidean final : public UpdateRule {
 public:
  explicit PmdEuclidean(PmdEuclideanOptions options);
  std::string name() const override { return "pmd_euclidean"; }
  bool needs_visitation() const override { return false; }  // its step never reads d
  PolicyForm form() const override { return PolicyForm::probabilities; }
  const PmdEuclideanOptions& options() const { return options_; }
  double nominal_step_size() const override { return options_.step_size; }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& policy, StateActionMatrix& next_policy,
                  std::span<double> diagnostics) override;

 private:
  PmdEuclideanOptions options_;
  Vector point_;  // one state's unprojected step
  Vector work_;   // the projection's sorted entries
};

// The registry entry (algorithms/registry.hpp).
AlgorithmEntry pmd_euclidean_algorithm();

}  // namespace tabrl
