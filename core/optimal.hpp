// Optimal values V*, Q*, pi* by policy iteration with exact evaluation (docs/theory.md,
// "Optimal values"). Every tolerance is relative to Mdp::value_scale().
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <tabrl/core/evaluation.hpp>

namespace tabrl {

struct OptimalSolution {
  Vector v;             // V*
  StateActionMatrix q;  // Q*
  // pi*[s]: the lowest-index action whose Q* is within the switching margin of the best
  // (docs/theory.md, "Optimal values").
  std::vector<Index> policy;
  double objective = 0.0;  // J* = rho^T V*
  // max_s |max_a Q*[s, a] - V*[s]|, and whether it is within 1e-12 * value scale.
  double bellman_residual = 0.0;
  bool bellman_check_passed = false;
  int iterations = 0;  // policy-iteration sweeps
  // Why the automatic choice's Krylov solver was replaced by a direct one (empty when it was not;
  // docs/engine.md, "Solvers").
  std::string solver_note;
  // The solver that computed V*: the one asked for (automatic resolved), or the direct solver the
  // automatic choice changed to.
  LinearSolverKind solver = LinearSolverKind::automatic;
};

// Thrown by solve_optimal when its `interrupted` check says so.
struct OptimalSolveInterrupted : std::runtime_error {
  OptimalSolveInterrupted() : std::runtime_error("the optimal solve was interrupted") {}
};

// Policy iteration from the reward-greedy policy. An action replaces the current one only when
// its Q is larger by more than 1e-13 * value scale, so the iteration cannot cycle on ties and
// rewards of any magnitude give the same decisions. `interrupted`, where given, is asked before
// each sweep (each one linear solve, the longest step; the Python module answers Ctrl-C through
// it): when it says true, the solve ends with OptimalSolveInterrupted.
OptimalSolution solve_optimal(const Mdp& mdp, LinearSolverKind kind = LinearSolverKind::automatic,
                              const std::function<bool()>& interrupted = {});

}  // namespace tabrl
