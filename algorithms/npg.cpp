#include "npg.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>

namespace tabrl {

void NpgOptions::validate() const { validate_step_size(step_size); }

Npg::Npg(NpgOptions options) : options_(options) { options_.validate(); }

TheoryBound Npg::theory_bound(const Mdp& /*mdp*/) const {
  return options_.geometric ? TheoryBound::none : TheoryBound::npg_agarwal;
}

StepReport Npg::step(const StepContext& context, const Evaluation& evaluation,
                     const StateActionMatrix& logits, StateActionMatrix& next_logits,
                     std::span<double> /*diagnostics*/) {
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  next_logits.noalias() = logits + eta * evaluation.advantage;
  return {.step_size = eta};
}

AlgorithmEntry npg_algorithm() {
  return {.name = "npg",
          .description = "natural policy gradient: z += eta A",
          .reference =
              "Kakade 2001; Agarwal, Kakade, Lee, Mahajan, JMLR 2021, arXiv 1908.00261 "
              "(whose eta is our eta (1 - gamma))",
          // NPG's bound holds for every constant step; `safe` puts NPG at SPMA's safe step, so
          // that the two are compared at the same eta (docs/reproduce.md, the headline figure).
          .step_rules = {{"safe", "0.99 (1-gamma)/R, the value of SPMA's safe step"}},
          .make = [](const SpecArguments& /*args*/, const StepSize& step, const Mdp& mdp) {
            const double eta = step.rule == "safe" ? safe_step_rule(mdp) : step.value;
            return std::unique_ptr<UpdateRule>(
                std::make_unique<Npg>(NpgOptions{.step_size = eta, .geometric = step.geometric}));
          }};
}

}  // namespace tabrl
