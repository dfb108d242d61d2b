#include "spg_armijo.hpp"

#include <cmath>
#include <limits>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {
namespace {

void check_open_unit_interval(const char* field, double value) {
  if (value > 0.0 && value < 1.0) return;
  throw InputError({.field = field}, "must be in (0, 1), got " + format_number(value));
}

}  // namespace

void SpgArmijoOptions::validate() const {
  validate_step_size(step_size);
  check_open_unit_interval("c", c);
  check_open_unit_interval("beta", beta);
}

SpgArmijo::SpgArmijo(SpgArmijoOptions options) : options_(options) { options_.validate(); }

StepReport SpgArmijo::step(const StepContext& context, const Evaluation& evaluation,
                           const StateActionMatrix& logits, StateActionMatrix& next_logits,
                           std::span<double> /*diagnostics*/) {
  const int t = context.iteration;
  const double eta_max =
      scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(), t);
  if (!std::isfinite(eta_max)) return non_finite_step(eta_max, t);
  policy_gradient(evaluation, context.mdp.gamma(), gradient_);
  if ((gradient_.array() == 0.0).all()) {
    next_logits = logits;  // z + eta_max * 0: J(z) >= J(z) + 0 accepts k = 0
    return {.step_size = eta_max};
  }
  // ||g||, free of overflow and underflow in its squares (rewards of 1e155 made ||g||^2 infinite
  // and every trial fail; rewards of 1e-165 made it 0 and the test vacuous); the required
  // increase is then c (eta ||g||) ||g||, whose factors stay in range while eta is in units of
  // 1 / reward.
  const double gradient_norm = gradient_.stableNorm();
  double trial_step = eta_max;
  double trial_objective = std::numeric_limits<double>::quiet_NaN();
  double required = trial_objective;
  for (int k = 0; k <= SpgArmijoOptions::kMaxBacktracks; ++k) {
    trial_step = eta_max * std::pow(options_.beta, k);
    // The trial point is built where the accepted one must end up.
    next_logits.noalias() = logits + trial_step * gradient_;
    // Logits that overflowed have no value: NaN fails the test and the search backtracks.
    trial_objective = std::numeric_limits<double>::quiet_NaN();
    if (next_logits.allFinite()) {
      context.evaluator.evaluate_logits(next_logits, trial_evaluation_);
      trial_objective = trial_evaluation_.objective;
    }
    required = evaluation.objective + options_.c * (trial_step * gradient_norm) * gradient_norm;
    if (trial_objective >= required) return {.step_size = trial_step};
  }
  return {.outcome = StepOutcome::line_search_failed,
          .message = "Armijo line search at iteration " + std::to_string(t) +
                     " accepted no step eta_max beta^k, k = 0.." +
                     std::to_string(SpgArmijoOptions::kMaxBacktracks) + ": the last trial step " +
                     format_number(trial_step) + " gives J = " + format_number(trial_objective) +
                     " < J + c eta ||g||^2 = " + format_number(required)};
}

AlgorithmEntry spg_armijo_algorithm() {
  const ParameterRange open_unit{.low = 0.0, .high = 1.0, .low_open = true, .high_open = true};
  return {.name = "spg_armijo",
          .description = "softmax policy gradient, step by Armijo backtracking from eta_max",
          .reference = "Lu, Aghaei, Raj, Vaswani, RLC 2024, arXiv 2405.13136",
          .parameters =
              {{"c",
                "number",
                "0.5",
                "sufficient increase: J(z + eta g) >= J(z) + c eta ||g||^2",
                {},
                open_unit},
               {"beta", "number", "0.5", "backtracking factor: eta_max beta^k", {}, open_unit}},
          .make = [](const SpecArguments& args, const StepSize& step, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(
                std::make_unique<SpgArmijo>(SpgArmijoOptions{.step_size = step.value,
                                                             .geometric = step.geometric,
                                                             .c = args.number("c"),
                                                             .beta = args.number("beta")}));
          }};
}

}  // namespace tabrl
