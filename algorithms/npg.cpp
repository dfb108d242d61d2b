#include "algorithms/npg.hpp"

#include "algorithms/step_size.hpp"

namespace tabrl {

void NpgOptions::validate() const { validate_step_size(step_size); }

Npg::Npg(NpgOptions options) : options_(options) { options_.validate(); }

StepReport Npg::step(const StepContext& /*context*/, const Evaluation& evaluation,
                     const StateActionMatrix& logits, StateActionMatrix& next_logits,
                     std::span<double> /*diagnostics*/) {
  next_logits.noalias() = logits + options_.step_size * evaluation.advantage;
  return {.step_size = options_.step_size};
}

}  // namespace tabrl
