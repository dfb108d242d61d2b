#include "policy.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/core/parallel.hpp>
#include <tabrl/core/random.hpp>

namespace tabrl {

void softmax_rows(const Eigen::Ref<const StateActionMatrix>& logits, StateActionMatrix& policy) {
  policy.resize(logits.rows(), logits.cols());
  // Plain loops: rows are short (A entries), where Eigen's vectorised exp spends its time in
  // set-up; this is the hottest function of small problems.
  // Rows in parallel for large S (each row is computed the same way on any thread).
  const Index actions = logits.cols();
  chunked_for(logits.rows(), [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      const double* z = logits.data() + s * logits.outerStride();
      double* pi = policy.data() + s * actions;
      double shift = z[0];
      for (Index a = 1; a < actions; ++a) shift = std::max(shift, z[a]);
      double total = 0.0;
      for (Index a = 0; a < actions; ++a) total += (pi[a] = std::exp(z[a] - shift));
      const double scale = 1.0 / total;
      for (Index a = 0; a < actions; ++a) pi[a] *= scale;
    }
  });
}

StateActionMatrix uniform_logits(Index num_states, Index num_actions) {
  return StateActionMatrix::Zero(num_states, num_actions);
}

StateActionMatrix deterministic_policy(const std::vector<Index>& actions, Index num_actions) {
  StateActionMatrix policy =
      StateActionMatrix::Zero(static_cast<Index>(actions.size()), num_actions);
  for (std::size_t s = 0; s < actions.size(); ++s) policy(static_cast<Index>(s), actions[s]) = 1.0;
  return policy;
}

StateActionMatrix random_logits(Index states, Index actions, std::uint64_t seed, double scale) {
  Random random(seed);
  StateActionMatrix logits(states, actions);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < actions; ++a) logits(s, a) = scale * random.normal();
  }
  return logits;
}

}  // namespace tabrl
