#include "policy.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/core/parallel.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/vector_math.hpp>

namespace tabrl {

void softmax_rows(const Eigen::Ref<const StateActionMatrix>& logits, StateActionMatrix& policy) {
  policy.resize(logits.rows(), logits.cols());
  // Rows are short (A entries), so the exponentials of a whole chunk of rows go to the vector
  // exp at once (core/vector_math); this is the hottest function of small problems. Rows in
  // parallel for large S (each row is computed the same way on any thread).
  const Index actions = logits.cols();
  const SimdLevel level = simd_level();
  chunked_for(logits.rows(), [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      const double* z = logits.data() + s * logits.outerStride();
      double* pi = policy.data() + s * actions;
      double shift = z[0];
      for (Index a = 1; a < actions; ++a) shift = std::max(shift, z[a]);
      for (Index a = 0; a < actions; ++a) pi[a] = z[a] - shift;
    }
    exp_in_place(policy.data() + begin * actions, (end - begin) * actions, level);
    for (Index s = begin; s < end; ++s) {
      double* pi = policy.data() + s * actions;
      double total = 0.0;
      for (Index a = 0; a < actions; ++a) total += pi[a];
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
