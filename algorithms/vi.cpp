#include "vi.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace tabrl {

void ValueIteration::look_ahead(const Mdp& mdp, StateActionMatrix& greedy) {
  look_ahead_.resize(mdp.num_states(), mdp.num_actions());
  Eigen::Map<Vector> flat(look_ahead_.data(), mdp.num_states() * mdp.num_actions());
  flat.noalias() = mdp.transitions() * values_;
  look_ahead_ *= mdp.gamma();
  look_ahead_ += mdp.rewards();
  greedy.setZero();
  for (Index s = 0; s < look_ahead_.rows(); ++s) {
    Index best = 0;
    for (Index a = 1; a < look_ahead_.cols(); ++a) {
      if (look_ahead_(s, a) > look_ahead_(s, best)) best = a;  // strict: lowest index on ties
    }
    greedy(s, best) = 1.0;
  }
}

void ValueIteration::initialize(const StepContext& context,
                                const StateActionMatrix& /*initial_logits*/,
                                StateActionMatrix& parameters) {
  values_.setZero(context.mdp.num_states());
  next_iteration_ = 0;
  look_ahead(context.mdp, parameters);
}

StepReport ValueIteration::step(const StepContext& context, const Evaluation& /*evaluation*/,
                                const StateActionMatrix& /*policy*/, StateActionMatrix& next_policy,
                                std::span<double> diagnostics) {
  if (context.iteration != next_iteration_ || values_.size() != context.mdp.num_states()) {
    throw std::logic_error("value iteration: step " + std::to_string(context.iteration) +
                           " called without initialize and steps 0 .. " +
                           std::to_string(context.iteration - 1));
  }
  ++next_iteration_;
  const Vector& optimal = context.optimal.v;
  diagnostics[0] = optimal.size() == values_.size() ? (values_ - optimal).cwiseAbs().maxCoeff()
                                                    : std::numeric_limits<double>::quiet_NaN();
  values_ = look_ahead_.rowwise().maxCoeff();
  look_ahead(context.mdp, next_policy);
  return {};
}

AlgorithmEntry vi_algorithm() {
  return {.name = "vi",
          .description =
              "value iteration from V = 0: V <- max_a (r + gamma P V); the curve follows the "
              "greedy policies",
          .reference = "Bellman, Dynamic Programming, 1957",
          .parameters = {},
          .takes_step_size = false,
          .diagnostics = {"vi_error_inf"},
          .make = [](const SpecArguments& /*args*/, const StepSize& /*step*/, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<ValueIteration>());
          }};
}

}  // namespace tabrl
