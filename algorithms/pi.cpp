#include "pi.hpp"

namespace tabrl {

StepReport PolicyIteration::step(const StepContext& /*context*/, const Evaluation& evaluation,
                                 const StateActionMatrix& policy, StateActionMatrix& next_policy,
                                 std::span<double> /*diagnostics*/) {
  const StateActionMatrix& q = evaluation.q;
  next_policy.setZero();
  for (Index s = 0; s < q.rows(); ++s) {
    const double best = q.row(s).maxCoeff();
    Index chosen = -1;
    for (Index a = 0; a < q.cols(); ++a) {
      if (q(s, a) != best) continue;
      if (chosen < 0) chosen = a;           // the lowest greedy index ...
      if (policy(s, a) == 1.0) chosen = a;  // ... unless the current action is greedy
    }
    // No action equals a NaN maximum; the loop ends such a run (a non-finite value).
    if (chosen < 0) chosen = 0;
    next_policy(s, chosen) = 1.0;
  }
  return {};
}

AlgorithmEntry pi_algorithm() {
  return {.name = "pi",
          .description =
              "policy iteration: greedy in Q of the current policy (lowest index on ties; a "
              "greedy current action is kept)",
          .reference = "Howard, Dynamic Programming and Markov Processes, 1960",
          .parameters = {},
          .takes_step_size = false,
          .diagnostics = {},
          .make = [](const SpecArguments& /*args*/, const StepSize& /*step*/, const Mdp& /*mdp*/) {
            return std::unique_ptr<UpdateRule>(std::make_unique<PolicyIteration>());
          }};
}

}  // namespace tabrl
