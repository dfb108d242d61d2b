#include "core/policy.hpp"

namespace tabrl {

void softmax_rows(const Eigen::Ref<const StateActionMatrix>& logits, StateActionMatrix& policy) {
  policy.resize(logits.rows(), logits.cols());
  for (Index s = 0; s < logits.rows(); ++s) {
    const double shift = logits.row(s).maxCoeff();
    policy.row(s) = (logits.row(s).array() - shift).exp();
    policy.row(s) /= policy.row(s).sum();
  }
}

StateActionMatrix uniform_logits(Index num_states, Index num_actions) {
  return StateActionMatrix::Zero(num_states, num_actions);
}

StateActionMatrix deterministic_policy(const std::vector<Index>& actions, Index num_actions) {
  StateActionMatrix policy = StateActionMatrix::Zero(static_cast<Index>(actions.size()), num_actions);
  for (std::size_t s = 0; s < actions.size(); ++s) policy(static_cast<Index>(s), actions[s]) = 1.0;
  return policy;
}

}  // namespace tabrl
