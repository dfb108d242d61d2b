#include "ppg.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/simplex.hpp>

namespace tabrl {

void PpgOptions::validate() const { validate_step_size(step_size); }

Ppg::Ppg(PpgOptions options) : options_(options) { options_.validate(); }

StepReport Ppg::step(const StepContext& context, const Evaluation& evaluation,
                     const StateActionMatrix& policy, StateActionMatrix& next_policy,
                     std::span<double> /*diagnostics*/) {
  const double gamma = context.mdp.gamma();
  const double eta =
      scheduled_step(options_.step_size, options_.geometric, gamma, context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  for (Index s = 0; s < policy.rows(); ++s) {
    const double scale = eta * evaluation.visitation[s] / (1.0 - gamma);
    point_ = policy.row(s).transpose() + scale * evaluation.q.row(s).transpose();
    project_onto_simplex(point_, next_policy.row(s).transpose(), work_);
  }
  return {.step_size = eta};
}

AlgorithmEntry ppg_algorithm() {
  return {.name = "ppg",
          .description =
              "projected policy gradient, direct parameterisation: "
              "pi <- Proj(pi + eta d Q / (1 - gamma)) per state",
          .reference = "Agarwal, Kakade, Lee, Mahajan, JMLR 2021, arXiv 1908.00261",
          .diagnostics = {},
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<Ppg>(
                PpgOptions{.step_size = step.value, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
