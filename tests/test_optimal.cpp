// Optimal values against the reference values of docs/theory.md, "Reference values" and against
// value iteration.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/metrics.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/sparse_lu.hpp>

#include "helpers.hpp"

using namespace tabrl;

TEST_CASE("5x5 MDP: J* and pi* (reference values)") {
  const Mdp mdp = make_five_by_five();
  const OptimalSolution optimal = solve_optimal(mdp);
  CHECK(optimal.objective == doctest::Approx(9.408398506373334).epsilon(1e-13));
  CHECK(optimal.policy == std::vector<Index>{0, 3, 4, 3, 4});  // (a1, a4, a5, a4, a5)
  CHECK(optimal.bellman_check_passed);
}

TEST_CASE("CliffWorld: V*(0) = 0.9^6") {
  const OptimalSolution optimal = solve_optimal(make_cliff_world());
  CHECK(optimal.v[0] == doctest::Approx(std::pow(0.9, 6)).epsilon(1e-13));
  CHECK(optimal.objective == doctest::Approx(0.531441).epsilon(1e-13));
  CHECK(optimal.bellman_check_passed);
}

TEST_CASE("DeepSeaTreasure: V*(4) = 0.72358") {
  const OptimalSolution optimal = solve_optimal(make_deep_sea_treasure());
  CHECK(optimal.v[4] == doctest::Approx(0.72358).epsilon(1e-12));
  CHECK(optimal.bellman_check_passed);
}

TEST_CASE("policy iteration agrees with value iteration on random MDPs") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const double gamma = 0.5 + 0.045 * static_cast<double>(seed);  // up to 0.95
    const Mdp mdp = tabrl::testing::random_mdp(8, 3, gamma, seed, -1.0, 1.0);
    const OptimalSolution optimal = solve_optimal(mdp);
    CHECK(optimal.bellman_check_passed);
    const Eigen::MatrixXd dense_p = Eigen::MatrixXd(mdp.transitions());
    Vector v = Vector::Zero(8);
    // ||V_k - V*|| <= gamma^k ||V_0 - V*||: enough sweeps to reach 1e-13.
    const int sweeps = static_cast<int>(std::ceil(std::log(1e-14) / std::log(gamma))) + 10;
    for (int k = 0; k < sweeps; ++k) {
      Vector next(8);
      for (Index s = 0; s < 8; ++s) {
        double best = -1e300;
        for (Index a = 0; a < 3; ++a) {
          best = std::max(
              best, mdp.rewards()(s, a) + gamma * dense_p.row(mdp.transition_row(s, a)).dot(v));
        }
        next[s] = best;
      }
      v = next;
    }
    CAPTURE(seed);
    CHECK((v - optimal.v).cwiseAbs().maxCoeff() < 1e-11);
  }
}

TEST_CASE("error metrics are non-negative and value_error_inf bounds suboptimality") {
  const Mdp mdp = tabrl::testing::random_mdp(6, 3, 0.9, 5);
  const OptimalSolution optimal = solve_optimal(mdp);
  PolicyEvaluator evaluator(mdp);
  Evaluation evaluation;
  evaluator.evaluate_logits(random_logits(6, 3, 9), evaluation);
  const double gap = suboptimality(mdp.rho(), optimal.v, evaluation.v);
  const double worst = value_error_inf(optimal.v, evaluation.v);
  CHECK(gap > 0.0);
  CHECK(worst >= gap);
  CHECK(gap == doctest::Approx(optimal.objective - evaluation.objective).epsilon(1e-10));
}

TEST_CASE("the automatic solver falls back to a direct one where Krylov fails") {
  // A deterministic cycle of 600 states at gamma = 0.99999: BiCGSTAB stalls above rounding.
  // The automatic choice (Krylov above 500 states) changes to the sparse LU (a cycle's factors
  // hold two entries per row) and gets exactly the named sparse LU's answer.
  const Mdp mdp = tabrl::testing::cycle_mdp(600, 0.99999);
  REQUIRE(mdp.num_states() > kDenseStateLimit);
  PolicyEvaluator evaluator(mdp);
  CHECK(evaluator.solver() == LinearSolverKind::krylov);
  const StateActionMatrix policy = StateActionMatrix::Ones(mdp.num_states(), 1);
  Vector v;
  StateActionMatrix q;
  evaluator.evaluate_values(policy, v, q);
  CHECK(evaluator.fell_back());
  CHECK(evaluator.solver() == LinearSolverKind::sparse_lu);
  CHECK(evaluator.fallback_reason().find("changed to the sparse solver") != std::string::npos);
  PolicyEvaluator exact(mdp, LinearSolverKind::sparse_lu);
  Vector v_exact;
  StateActionMatrix q_exact;
  exact.evaluate_values(policy, v_exact, q_exact);
  CHECK(v == v_exact);
  CHECK(q == q_exact);
}

TEST_CASE("above the dense solver's limit: the sparse LU on narrow structure, else the failure") {
  // 6,000 states, above kFallbackStateLimit, where Krylov's failure was final before the sparse
  // LU became a fallback. The cycle alone is narrow; with a second action that jumps to random
  // states the pattern is not, and the failure stands, saying why.
  const Mdp narrow = tabrl::testing::cycle_mdp(6000, 0.99999);
  REQUIRE(narrow.num_states() > kFallbackStateLimit);
  const StateActionMatrix cycle_policy = StateActionMatrix::Ones(6000, 1);
  PolicyEvaluator automatic(narrow);
  Vector v;
  StateActionMatrix q;
  automatic.evaluate_values(cycle_policy, v, q);
  CHECK(automatic.solver() == LinearSolverKind::sparse_lu);
  PolicyEvaluator sparse(narrow, LinearSolverKind::sparse_lu);
  Vector v_sparse;
  StateActionMatrix q_sparse;
  sparse.evaluate_values(cycle_policy, v_sparse, q_sparse);
  CHECK(v == v_sparse);
  // The optimal solve alike: Krylov by name fails (from its loose start too), the automatic
  // choice changes to the sparse LU and says so.
  CHECK_THROWS_AS(solve_optimal(narrow, LinearSolverKind::krylov), SolverFailure);
  const OptimalSolution optimal = solve_optimal(narrow);
  const OptimalSolution direct = solve_optimal(narrow, LinearSolverKind::sparse_lu);
  CHECK(optimal.v == direct.v);
  CHECK(optimal.bellman_check_passed);
  CHECK(optimal.solver_note.find("changed to the sparse solver") != std::string::npos);
  CHECK(optimal.solver == LinearSolverKind::sparse_lu);
  CHECK(direct.solver_note.empty());

  const Mdp wide = tabrl::testing::cycle_mdp(6000, 0.99999, 3);
  StateActionMatrix policy = StateActionMatrix::Zero(6000, 2);
  policy.col(0).setOnes();
  PolicyEvaluator refused(wide);
  std::string message;
  try {
    refused.evaluate_values(policy, v, q);
  } catch (const SolverFailure& failure) {
    message = failure.what();
  }
  CHECK(message.find("has no direct solver to change to") != std::string::npos);
  CHECK(message.find("multiply-adds") != std::string::npos);
  CHECK(!refused.fell_back());
}

TEST_CASE("a failure of the optimal solve is said as the optimal solve's, with its sweep") {
  // Krylov by name on the cycle of the test above: policy iteration's first sweep fails.
  const Mdp narrow = tabrl::testing::cycle_mdp(6000, 0.99999);
  std::string message;
  try {
    solve_optimal(narrow, LinearSolverKind::krylov);
  } catch (const SolverFailure& failure) {
    message = failure.what();
  }
  CHECK(message.rfind("the optimal solve (policy iteration, sweep 1): BiCGSTAB did not reach", 0) ==
        0);
}

TEST_CASE("policy iteration over thousands of sweeps: the chain's policy and J* in closed form") {
  // chain(n, slip 0, back 0.2, forward 1) at gamma = 0.9999: from the reward-greedy policy (back
  // everywhere but the last state) each sweep turns one more state forward, about n sweeps, each
  // policy told from the earlier ones by its fingerprint. Forward everywhere is optimal as
  // gamma^(n-1) > 0.2, and J* = V*(0) = gamma^(n-1) / (1 - gamma).
  const int n = 2000;
  const double gamma = 0.9999;
  const Mdp chain = make_chain(n, 0.0, 0.2, 1.0, gamma);
  const OptimalSolution optimal = solve_optimal(chain, LinearSolverKind::sparse_lu);
  CHECK(optimal.policy == std::vector<Index>(n, 1));
  CHECK(optimal.bellman_check_passed);
  CHECK(optimal.solver == LinearSolverKind::sparse_lu);
  CHECK(optimal.objective ==
        doctest::Approx(std::pow(gamma, n - 1) / (1.0 - gamma)).epsilon(1e-10));
}

namespace {

// A complete binary tree of `states` states: action 0 moves to the parent (the root stays),
// actions 1 and 2 to the children (a leaf stays). Rewards U(0, 1), rho uniform.
Mdp binary_tree_mdp(Index states) {
  Random random(4);
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(states, 3);
  for (Index s = 0; s < states; ++s) {
    entries.push_back({s, 0, s > 0 ? (s - 1) / 2 : s, 1.0});
    entries.push_back({s, 1, 2 * s + 1 < states ? 2 * s + 1 : s, 1.0});
    entries.push_back({s, 2, 2 * s + 2 < states ? 2 * s + 2 : s, 1.0});
    for (Index a = 0; a < 3; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = 3,
              .gamma = 0.9,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, 3, entries)});
}

}  // namespace

TEST_CASE("the fallback choice follows the sparse LU's fill") {
  // A chain: one entry per row. A chain whose every state can go back to state 0 (a hub, ordered
  // last): still narrow. A binary tree: wide breadth-first levels, but no fill. A Garnet: random
  // structure, dense up to kFallbackStateLimit states and none above.
  const FallbackChoice chain = choose_fallback_solver(make_flat_grad_chain(6000));
  REQUIRE(chain.kind);
  CHECK(*chain.kind == LinearSolverKind::sparse_lu);
  const FallbackChoice reset_chain = choose_fallback_solver(make_chain(20000, 0.0, 0.2, 1.0, 0.9));
  REQUIRE(reset_chain.kind);
  CHECK(*reset_chain.kind == LinearSolverKind::sparse_lu);
  const Mdp tree = binary_tree_mdp(32767);
  FallbackChoice tree_choice = choose_fallback_solver(tree);
  REQUIRE(tree_choice.kind);
  CHECK(*tree_choice.kind == LinearSolverKind::sparse_lu);
  const SparseLuFill tree_fill = sparse_lu_fill(tree, kSparseFallbackEntries, kSparseFallbackWork);
  CHECK(tree_fill.own_order);
  // The tree's own 32,766 edges, and almost nothing filled in (in reverse Cuthill-McKee order,
  // nothing; COLAMD's adds a few entries): an envelope would have held about 7e7.
  CHECK(tree_fill.fill.entries >= 32766.0);
  CHECK(tree_fill.fill.entries < 33000.0);
  // The count's symbolic analysis goes to the sparse LU the fallback makes (analysed once), and
  // solves to the bits of a sparse LU that analyses the pattern itself.
  REQUIRE(tree_choice.analysis != nullptr);
  {
    const StateActionMatrix policy = StateActionMatrix::Constant(
        tree.num_states(), tree.num_actions(), 1.0 / static_cast<double>(tree.num_actions()));
    SparseLu handed(tree, std::move(tree_choice.analysis));
    SparseLu fresh(tree);
    handed.prepare(policy);
    fresh.prepare(policy);
    Vector v_handed, v_fresh, x_handed, x_fresh;
    const Vector rhs = tree.rewards().rowwise().mean();
    handed.solve(rhs, v_handed, tree.rho(), &x_handed);
    fresh.solve(rhs, v_fresh, tree.rho(), &x_fresh);
    CHECK(v_handed == v_fresh);
    CHECK(x_handed == x_fresh);
    CHECK(handed.factor_nonzeros() == fresh.factor_nonzeros());
  }
  const FallbackChoice small_garnet = choose_fallback_solver(make_garnet(2000, 4, 5, 1));
  REQUIRE(small_garnet.kind);
  CHECK(*small_garnet.kind == LinearSolverKind::dense_lu);
  CHECK(small_garnet.analysis == nullptr);  // kept for the sparse LU only
  const FallbackChoice large_garnet = choose_fallback_solver(make_garnet(6000, 4, 2, 1));
  CHECK(!large_garnet.kind);
  CHECK(large_garnet.analysis == nullptr);
  const FallbackChoice cycle = choose_fallback_solver(tabrl::testing::cycle_mdp(6000, 0.9));
  REQUIRE(cycle.kind);
  CHECK(*cycle.kind == LinearSolverKind::sparse_lu);
  CHECK(large_garnet.reason.find("multiply-adds") != std::string::npos);
  // The dense solver's choice says why: within the sparse limits, but dearer than the dense LU.
  CHECK(small_garnet.reason.find("at most") != std::string::npos);
  CHECK(small_garnet.reason.find("ten times that is above the dense LU's S^3 / 3") !=
        std::string::npos);
  // Transitions that go one way (every state of a 100,000-state cycle can jump to one of 1,000
  // checkpoints): the bound from M + M^T is past the limits, the exact count is not (a probe
  // found this refused, though the sparse LU takes 0.3 s).
  const FallbackChoice one_way =
      choose_fallback_solver(tabrl::testing::checkpoint_cycle_mdp(100000, 1000, 0.99999));
  REQUIRE(one_way.kind);
  CHECK(*one_way.kind == LinearSolverKind::sparse_lu);
  CHECK(one_way.reason.find("counted exactly") != std::string::npos);
  // Past the pattern size at which the sparse LU's own order is computed, random structure is
  // refused by the cheap order's count alone, and the message says so.
  const SparseLuFill large =
      sparse_lu_fill(make_garnet(60000, 4, 5, 1), kSparseFallbackEntries, kSparseFallbackWork);
  CHECK(!large.own_order);
  CHECK(!large.fill.complete);
  const FallbackChoice refused = choose_fallback_solver(make_garnet(60000, 4, 5, 1));
  CHECK(!refused.kind);
  CHECK(refused.reason.find("reverse Cuthill-McKee") != std::string::npos);
}

TEST_CASE("near gamma = 1 policy iteration resolves Q gaps the margin would hide") {
  // Two states: in state 0 stay (reward 1) or move to state 1 (reward 0), from which every action
  // returns to 0 with reward 2.01. Cycling earns 1.005 per step against 1 for staying; the Q gap
  // in state 0 is about 0.005, far below 1e-13 of the value scale 2.01 / (1 - gamma) when
  // 1 - gamma = 1e-11, and staying there would cost 0.005 / (1 - gamma) = 5e8.
  for (const double gamma : {0.999, 1.0 - 1e-11}) {
    CAPTURE(gamma);
    const std::vector<TransitionEntry> entries = {
        {0, 0, 0, 1.0}, {0, 1, 1, 1.0}, {1, 0, 0, 1.0}, {1, 1, 0, 1.0}};
    StateActionMatrix rewards(2, 2);
    rewards << 1.0, 0.0, 2.01, 2.01;
    const Mdp mdp({.num_states = 2,
                   .num_actions = 2,
                   .gamma = gamma,
                   .rho = Vector::Constant(2, 0.5),
                   .rewards = rewards,
                   .transitions = make_transitions(2, 2, entries)});
    const OptimalSolution optimal = solve_optimal(mdp);
    CHECK(optimal.policy[0] == 1);
    // V(1) = 2.01 / (1 - gamma^2), V(0) = gamma V(1), in long double.
    const long double g = gamma;
    const long double v1 = 2.01L / (1.0L - g * g);
    const long double v0 = g * v1;
    const double tolerance = 1e-9 * mdp.value_scale();  // the evaluation's own accuracy here
    CHECK(std::abs(static_cast<double>(v0 - optimal.v[0])) <= tolerance);
    CHECK(std::abs(static_cast<double>(v1 - optimal.v[1])) <= tolerance);
  }
}
