#include "pmd_euclidean.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/simplex.hpp>

namespace tabrl {

void PmdEuclideanOptions::validate() const { validate_step_size(step_size); }

PmdEuclidean::PmdEuclidean(PmdEuclideanOptions options) : options_(options) { options_.validate(); }

StepReport PmdEuclidean::step(const StepContext& context, const Evaluation& evaluation,
                              const StateActionMatrix& policy, StateActionMatrix& next_policy,
                              std::span<double> /*diagnostics*/) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  for (Index s = 0; s < policy.rows(); ++s) {
    point_ = policy.row(s).transpose() + eta * evaluation.q.row(s).transpose();
    project_onto_simplex(point_, next_policy.row(s).transpose(), work_);
  }
  return {.step_size = eta};
}

AlgorithmEntry pmd_euclidean_algorithm() {
  return {.name = "pmd_euclidean",
          .description =
              "policy mirror descent with the squared Euclidean distance (projected Q-ascent): "
              "pi <- Proj(pi + eta Q) per state",
          .reference = "Xiao, JMLR 2022, arXiv 2201.07443",
          .diagnostics = {},
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<PmdEuclidean>(
                PmdEuclideanOptions{.step_size = step.value, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
