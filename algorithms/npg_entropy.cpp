#include "npg_entropy.hpp"

#include <cmath>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {

namespace {

// eta <= 1/tau, compared with 1/tau as computed, so that a step given as 1/tau is soft policy
// iteration.
void check_step_limit(double step_size, double tau) {
  if (step_size > 1.0 / tau) {
    throw InputError({.field = "step_size"}, "must be <= 1/tau = " + format_number(1.0 / tau) +
                                                 " for npg_entropy (tau = " + format_number(tau) +
                                                 "; 1/tau is soft policy iteration), got " +
                                                 format_number(step_size));
  }
}

}  // namespace

void NpgEntropyOptions::validate(const Mdp& mdp) const {
  validate_temperature(tau, mdp);
  validate_step_size(step_size);
  check_step_limit(step_size, tau);
}

NpgEntropy::NpgEntropy(const Mdp& mdp, NpgEntropyOptions options)
    : options_(options), gamma_(mdp.gamma()), metrics_(options.tau) {
  options_.validate(mdp);
}

TheoryBound NpgEntropy::theory_bound(const Mdp& /*mdp*/) const {
  return options_.geometric ? TheoryBound::none : TheoryBound::cen_entropy;
}

double NpgEntropy::bound_value(int iteration) const {
  if (options_.geometric) return std::numeric_limits<double>::quiet_NaN();
  return cen_entropy_bound(bound_constant_, gamma_, options_.tau, options_.step_size, iteration);
}

StepReport NpgEntropy::step(const StepContext& context, const Evaluation& evaluation,
                            const StateActionMatrix& logits, StateActionMatrix& next_logits,
                            std::span<double> diagnostics) {
  const double tau = options_.tau;
  const RegularisedEvaluation& regularised = metrics_.evaluate(context, evaluation, diagnostics);
  if (context.iteration == 0 && !options_.geometric) {
    // log pi_0 = z_0 - log sum exp z_0: the soft greedy step at temperature 1 is log-softmax.
    soft_greedy(logits, 1.0, initial_policy_, initial_log_policy_, initial_log_normaliser_);
    const SoftOptimalSolution& optimum = metrics_.optimum();
    bound_constant_ = cen_entropy_constant(optimum.q, regularised.q, optimum.log_policy,
                                           initial_log_policy_, tau, options_.step_size);
  }
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  if (eta > 1.0 / tau) {
    // Only a geometric schedule gets here: 1 - eta tau < 0 would put pi_t to a negative power.
    return {.step_size = eta,
            .outcome = StepOutcome::invalid,
            .message = "npg_entropy step invalid at iteration " +
                       std::to_string(context.iteration) + ": the geometric step eta_t = " +
                       format_number(eta) + " exceeds 1/tau = " + format_number(1.0 / tau) +
                       " (the update needs 1 - eta_t tau >= 0)"};
  }
  next_logits.noalias() = (1.0 - eta * tau) * logits + eta * regularised.q;
  return {.step_size = eta};
}

AlgorithmEntry npg_entropy_algorithm() {
  return {.name = "npg_entropy",
          .description =
              "entropy-regularised NPG: z = (1 - eta tau) z + eta Q_tau, eta <= 1/tau (1/tau: "
              "soft policy iteration)",
          .reference =
              "Cen, Cheng, Chen, Wei, Chi 2021, arXiv 2007.06558 (whose eta is our eta (1 - "
              "gamma))",
          .parameters = {temperature_parameter()},
          .diagnostics = regularised_diagnostic_names(),
          .check = [](const SpecArguments& args,
                      const StepSize& step) { check_step_limit(step.value, args.number("tau")); },
          .make =
              [](const SpecArguments& args, const StepSize& step, const Mdp& mdp) {
                return std::unique_ptr<UpdateRule>(std::make_unique<NpgEntropy>(
                    mdp, NpgEntropyOptions{.tau = args.number("tau"),
                                           .step_size = step.value,
                                           .geometric = step.geometric}));
              }};
}

}  // namespace tabrl
