#include "optimal.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl {
namespace {

constexpr double kSwitchTolerance = 1e-13;
constexpr double kBellmanTolerance = 1e-12;
// Krylov evaluation: the sweeps run with this relative residual until the policy is stable, then
// with the full one (docs/engine.md, "Optimal values").
constexpr double kLooseKrylovTolerance = 1e-6;
constexpr int kMaxLooseSweeps = 100;

// The switching margin relative to the value scale (docs/theory.md, "Optimal values"): a Q gap g
// left unswitched can cost g / (1 - gamma) of value (the performance difference lemma), so below
// 1e-13 the margin is 1e-12 (1 - gamma), which keeps that cost within 1e-12 of the value scale,
// but never below 16 units of rounding: gaps that small are the evaluation's noise. Equal to
// kSwitchTolerance for gamma <= 0.9.
double switch_tolerance(double gamma) {
  if (gamma <= 0.9) return kSwitchTolerance;  // 1 - 0.9 rounds below 0.1
  constexpr double kRounding = std::numeric_limits<double>::epsilon() / 2.0;
  return std::min(kSwitchTolerance, std::max(1e-12 * (1.0 - gamma), 16.0 * kRounding));
}

// Two 64-bit hashes of a deterministic policy (splitmix64's finaliser over the actions, from two
// seeds): policy iteration remembers the policies it has evaluated by these 16 bytes, not by
// their S indices (a chain of 20,000 states takes 20,000 sweeps). Two different policies of one
// run share a fingerprint with probability about k^2 / 2^129 after k sweeps.
using PolicyFingerprint = std::array<std::uint64_t, 2>;

std::uint64_t mix(std::uint64_t value) {
  value ^= value >> 30;
  value *= 0xbf58476d1ce4e5b9ULL;
  value ^= value >> 27;
  value *= 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

PolicyFingerprint fingerprint(const std::vector<Index>& policy) {
  PolicyFingerprint hash{0x9e3779b97f4a7c15ULL, 0xd1b54a32d192ed03ULL};
  for (const Index action : policy) {
    const auto value = static_cast<std::uint64_t>(action);
    hash[0] = mix(hash[0] ^ value);
    hash[1] = mix(hash[1] + value + 0x632be59bd9b4e019ULL);
  }
  return hash;
}

Index argmax_row(const StateActionMatrix& table, Index row) {
  Index best = 0;
  table.row(row).maxCoeff(&best);
  return best;
}

}  // namespace

OptimalSolution solve_optimal(const Mdp& mdp, LinearSolverKind kind,
                              const std::function<bool()>& interrupted) {
  const Index num_states = mdp.num_states();
  PolicyEvaluator evaluator(mdp, kind);
  // An iterative evaluation starts loose: early sweeps need the ordering of Q only roughly, and
  // the solves of the final, tight phase start from the loose values.
  bool loose = evaluator.solver() == LinearSolverKind::krylov;
  if (loose) evaluator.set_krylov_tolerance(kLooseKrylovTolerance);
  OptimalSolution solution;
  solution.policy.resize(static_cast<std::size_t>(num_states));
  for (Index s = 0; s < num_states; ++s) {
    solution.policy[static_cast<std::size_t>(s)] = argmax_row(mdp.rewards(), s);
  }
  // Policy iteration terminates in at most A^S sweeps; in practice a handful. The bound only
  // guards against a numerical pathology. Each sweep solves for V only (no visitation); an
  // iterative solver starts from the previous sweep's V.
  constexpr int kMaxSweeps = 100000;
  StateActionMatrix policy = StateActionMatrix::Zero(num_states, mdp.num_actions());
  Vector v;
  StateActionMatrix q;
  std::vector<Index> previous = solution.policy;
  const double margin = switch_tolerance(mdp.gamma()) * mdp.value_scale();
  // Policies of the exact phase seen so far, by fingerprint: with a margin near rounding, noise in
  // Q could make the sweeps cycle among policies tied within it; one that comes back ends the
  // iteration.
  std::set<PolicyFingerprint> seen;
  for (int sweep = 1;; ++sweep) {
    if (interrupted && interrupted()) throw OptimalSolveInterrupted();
    chunked_for(num_states, [&](Index begin, Index end) {
      for (Index s = begin; s < end; ++s) {
        policy(s, previous[static_cast<std::size_t>(s)]) = 0.0;
        policy(s, solution.policy[static_cast<std::size_t>(s)]) = 1.0;
      }
    });
    try {
      evaluator.evaluate_values(policy, v, q);
    } catch (const SolverFailure& failure) {
      // Said as the optimal solve's: a run's own evaluations come later, with the same solver.
      throw SolverFailure("the optimal solve (policy iteration, sweep " + std::to_string(sweep) +
                          "): " + failure.what());
    }
    previous = solution.policy;
    // A Krylov solver that failed has been replaced by an exact one: no loose phase is left.
    if (loose && evaluator.fell_back()) loose = false;
    // State by state (in parallel for large S): each state's switch is its own decision.
    std::vector<double> partials;
    const double changes = chunked_sums<1>(num_states, partials, [&](Index begin, Index end) {
      double count = 0.0;
      for (Index s = begin; s < end; ++s) {
        Index& current = solution.policy[static_cast<std::size_t>(s)];
        const Index best = argmax_row(q, s);
        if (q(s, best) > q(s, current) + margin) {
          current = best;
          count += 1.0;
        }
      }
      return std::array<double, 1>{count};
    })[0];
    solution.iterations = sweep;
    if (loose && (changes == 0.0 || sweep >= kMaxLooseSweeps)) {
      // Stable under loose evaluation: go on with the full tolerance, which decides the end.
      loose = false;
      evaluator.set_krylov_tolerance(kDefaultKrylovTolerance);
      continue;
    }
    if (changes == 0.0) break;
    if (!loose) {
      seen.insert(fingerprint(previous));
      if (seen.count(fingerprint(solution.policy)) > 0) {
        // Back to a policy already evaluated: the switches are noise. Keep the evaluated one.
        solution.policy = previous;
        break;
      }
    }
    if (sweep == kMaxSweeps) throw std::runtime_error("policy iteration did not terminate");
  }
  solution.solver_note = evaluator.fallback_reason();
  solution.solver = evaluator.solver();
  solution.objective = mdp.rho().dot(v);
  solution.v = std::move(v);
  solution.q = std::move(q);
  // Report the greedy action of Q*, not the kept one: the lowest index among the actions within
  // the tie tolerance of the best, so that ties broken by rounding (or by a rescaling of the
  // rewards) do not change pi*.
  const double tie = margin;
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
