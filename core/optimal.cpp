#include "optimal.hpp"

#include <cmath>
#include <stdexcept>

#include <tabrl/core/policy.hpp>

namespace tabrl {
namespace {

constexpr double kSwitchTolerance = 1e-13;
constexpr double kBellmanTolerance = 1e-12;

Index argmax_row(const StateActionMatrix& table, Index row) {
  Index best = 0;
  table.row(row).maxCoeff(&best);
  return best;
}

}  // namespace

OptimalSolution solve_optimal(const Mdp& mdp, LinearSolverKind kind) {
  const Index num_states = mdp.num_states();
  PolicyEvaluator evaluator(mdp, kind);
  Evaluation evaluation;
  OptimalSolution solution;
  solution.policy.resize(static_cast<std::size_t>(num_states));
  for (Index s = 0; s < num_states; ++s) {
    solution.policy[static_cast<std::size_t>(s)] = argmax_row(mdp.rewards(), s);
  }
  // Policy iteration terminates in at most A^S sweeps; in practice a handful. The bound only
  // guards against a numerical pathology.
  constexpr int kMaxSweeps = 100000;
  for (int sweep = 1;; ++sweep) {
    evaluator.evaluate_policy(deterministic_policy(solution.policy, mdp.num_actions()), evaluation);
    const double scale = mdp.value_scale();
    bool changed = false;
    for (Index s = 0; s < num_states; ++s) {
      Index& current = solution.policy[static_cast<std::size_t>(s)];
      const Index best = argmax_row(evaluation.q, s);
      if (evaluation.q(s, best) > evaluation.q(s, current) + kSwitchTolerance * scale) {
        current = best;
        changed = true;
      }
    }
    solution.iterations = sweep;
    if (!changed) break;
    if (sweep == kMaxSweeps) throw std::runtime_error("policy iteration did not terminate");
  }
  solution.v = evaluation.v;
  solution.q = evaluation.q;
  solution.objective = evaluation.objective;
  // Report the greedy action of Q*, not the kept one: the lowest index among the actions within
  // the tie tolerance of the best, so that ties broken by rounding (or by a rescaling of the
  // rewards) do not change pi*.
  const double tie = kSwitchTolerance * mdp.value_scale();
  for (Index s = 0; s < num_states; ++s) {
    const double best = solution.q.row(s).maxCoeff();
    Index chosen = 0;
    while (solution.q(s, chosen) < best - tie) ++chosen;
    solution.policy[static_cast<std::size_t>(s)] = chosen;
  }
  solution.bellman_residual = (solution.q.rowwise().maxCoeff() - solution.v).cwiseAbs().maxCoeff();
  solution.bellman_check_passed =
      solution.bellman_residual <= kBellmanTolerance * mdp.value_scale();
  return solution;
}

}  // namespace tabrl
