// The Krylov solver's extrapolated warm start (docs/engine.md, "Krylov warm start"): exact on a
// polynomial path of solutions, never applied to a second solve of the same policy or to a guess
// that does not continue the path, fewer iterations on an SPMA run, the same bits on 1 and 2
// threads, and every solve still checked against the true residual.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <tabrl/core/bicgstab.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

StateActionMatrix softmax_of(const StateActionMatrix& logits) {
  StateActionMatrix policy;
  softmax_rows(logits, policy);
  return policy;
}

// b_t = b0 + t b1 + t^2 b2: the value solutions of one fixed policy lie on a quadratic in t.
Vector quadratic_rhs(Index n, int t) {
  Vector rhs(n);
  for (Index i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    rhs[i] = std::sin(x) + t * std::cos(0.5 * x) + t * t * 0.25 * std::sin(0.3 * x + 1.0);
  }
  return rhs;
}

}  // namespace

TEST_CASE("the extrapolated warm start is exact on a polynomial path of solutions") {
  const Mdp mdp = make_garnet(800, 3, 5, 4);
  const StateActionMatrix policy = softmax_of(random_logits(800, 3, 9, 1.0));
  Bicgstab solver(mdp, 1e-12);
  Vector v = Vector::Zero(800), x = Vector::Zero(800);
  std::vector<int> iterations;
  for (int t = 0; t < 8; ++t) {
    solver.prepare(policy);  // a new "policy" each time, as an optimizer's loop does
    const Vector rhs = quadratic_rhs(800, t);
    solver.solve(rhs, v, mdp.rho(), &x);
    CHECK(solver.report().value_residual <= 1e-12);
    CHECK(solver.report().visitation_residual <= 1e-12);
    iterations.push_back(solver.report().iterations);
    // The answer is the solve's, not the guess's: a cold solve agrees to the tolerance.
    Bicgstab cold(mdp, 1e-12);
    cold.prepare(policy);
    Vector v_cold = Vector::Zero(800), x_cold = Vector::Zero(800);
    cold.solve(rhs, v_cold, mdp.rho(), &x_cold);
    CHECK((v - v_cold).cwiseAbs().maxCoeff() <= 1e-10 * v_cold.cwiseAbs().maxCoeff());
  }
  CAPTURE(iterations);
  // Cold: both solves from zero. From t = 3 on, the quadratic extrapolation of the value path
  // (and the unchanged visitation path) leaves only rounding to remove.
  CHECK(iterations[0] >= 10);
  for (int t = 4; t < 8; ++t) CHECK(iterations[static_cast<std::size_t>(t)] <= 3);
}

TEST_CASE("a second solve of the same policy, or a guess off the path, is not extrapolated") {
  const Mdp mdp = make_garnet(800, 3, 5, 5);
  Bicgstab solver(mdp, 1e-12);
  Vector v = Vector::Zero(800), x = Vector::Zero(800);
  for (int t = 0; t < 6; ++t) {
    solver.prepare(softmax_of(random_logits(800, 3, 20, 1.0 + 0.05 * t)));
    solver.solve(quadratic_rhs(800, t), v, mdp.rho(), &x);
  }
  // The same policy and right-hand sides again (no prepare): the guesses are the answers.
  const Vector v_before = v, x_before = x;
  solver.solve(quadratic_rhs(800, 5), v, mdp.rho(), &x);
  CHECK(solver.report().iterations <= 2);
  CHECK((v - v_before).cwiseAbs().maxCoeff() <= 1e-10 * v_before.cwiseAbs().maxCoeff());

  // A new policy with guesses that do not continue the path (zeros): solved from zeros, the
  // same bits as a solver that has never seen a path.
  const StateActionMatrix other = softmax_of(random_logits(800, 3, 99, 2.0));
  solver.prepare(other);
  Vector v_zero = Vector::Zero(800), x_zero = Vector::Zero(800);
  solver.solve(quadratic_rhs(800, 6), v_zero, mdp.rho(), &x_zero);
  Bicgstab fresh(mdp, 1e-12);
  fresh.prepare(other);
  Vector v_fresh = Vector::Zero(800), x_fresh = Vector::Zero(800);
  fresh.solve(quadratic_rhs(800, 6), v_fresh, mdp.rho(), &x_fresh);
  CHECK(solver.report().iterations == fresh.report().iterations);
  CHECK((v_zero.array() == v_fresh.array()).all());
  CHECK((x_zero.array() == x_fresh.array()).all());
}

TEST_CASE("an SPMA run needs far fewer BiCGSTAB iterations once its path is long enough") {
  const Mdp mdp = make_garnet(5000, 4, 5, 1);
  PolicyEvaluator evaluator(mdp, LinearSolverKind::krylov);
  PolicyEvaluator reference(mdp, LinearSolverKind::krylov);
  StateActionMatrix logits = uniform_logits(5000, 4);
  Evaluation evaluation;
  std::vector<int> iterations;
  for (int t = 0; t < 16; ++t) {
    evaluator.evaluate_logits(logits, evaluation);
    iterations.push_back(evaluator.last_solve().iterations);
    CHECK(evaluator.last_solve().value_residual <= 1e-12);
    CHECK(evaluator.last_solve().visitation_residual <= 1e-12);
    logits.array() += (0.05 * evaluation.advantage.array()).log1p();  // SPMA, eta = 0.05
  }
  CAPTURE(iterations);
  // Without extrapolation every warm solve pair of this run takes about as many iterations as
  // the first warm one (iteration 1).
  for (int t = 12; t < 16; ++t) {
    CHECK(iterations[static_cast<std::size_t>(t)] <= 0.7 * iterations[1]);
  }
}

TEST_CASE("extrapolated solves are bit-identical on 1 and 2 threads") {
  // Large enough for the parallel loops (more than kParallelMinimum states).
  const Index states = 40000;
  const Mdp mdp = make_garnet(states, 4, 5, 3);
  const int threads = thread_count();
  std::vector<Evaluation> evaluations;
  std::vector<std::vector<int>> iterations(2);
  for (const int count : {1, 2}) {
    set_thread_count(count);
    PolicyEvaluator evaluator(mdp, LinearSolverKind::krylov);
    StateActionMatrix logits = uniform_logits(states, 4);
    Evaluation evaluation;
    for (int t = 0; t < 8; ++t) {
      evaluator.evaluate_logits(logits, evaluation);
      iterations[static_cast<std::size_t>(count - 1)].push_back(evaluator.last_solve().iterations);
      logits.array() += (0.05 * evaluation.advantage.array()).log1p();
    }
    evaluations.push_back(evaluation);
  }
  set_thread_count(threads);
  CHECK(iterations[0] == iterations[1]);
  CHECK((evaluations[0].v.array() == evaluations[1].v.array()).all());
  CHECK((evaluations[0].visitation.array() == evaluations[1].visitation.array()).all());
  CHECK((evaluations[0].q.array() == evaluations[1].q.array()).all());
}

TEST_CASE("a tolerance below rounding is met at the residual's rounding floor") {
  const Mdp mdp = make_garnet(800, 3, 5, 6);
  const StateActionMatrix policy = softmax_of(random_logits(800, 3, 7, 1.0));
  Bicgstab reachable(mdp, 1e-12);
  reachable.prepare(policy);
  Vector v = Vector::Zero(800), x = Vector::Zero(800);
  reachable.solve(quadratic_rhs(800, 1), v, mdp.rho(), &x);
  // 1e-18 is below what rounding lets a true residual reach in double precision (about 1e-16),
  // although the recurrence may get there: the solve ends at the rounding floor instead.
  Bicgstab unreachable(mdp, 1e-18);
  unreachable.prepare(policy);
  Vector v_floor = Vector::Zero(800), x_floor = Vector::Zero(800);
  unreachable.solve(quadratic_rhs(800, 1), v_floor, mdp.rho(), &x_floor);
  CHECK(unreachable.report().value_residual > 1e-18);
  CHECK(unreachable.report().value_residual < 1e-13);
  CHECK(unreachable.report().visitation_residual < 1e-13);
  CHECK(unreachable.report().iterations > reachable.report().iterations);
  CHECK((v_floor - v).cwiseAbs().maxCoeff() <= 1e-10 * v.cwiseAbs().maxCoeff());
}

TEST_CASE("a discount close to 1: the residual's rounding floor is above 1e-12, and accepted") {
  // At gamma = 0.9999 V is about 1e4 times the rewards, and computing r - M v in double precision
  // leaves about 1e-12 of r: the solve used to fail here at any size. Its answer agrees with
  // the dense solver's to the conditioning of the system.
  const Mdp mdp = make_garnet(1000, 4, 5, 0, 0.9999);
  const StateActionMatrix policy = softmax_of(random_logits(1000, 4, 3, 1.0));
  PolicyEvaluator krylov(mdp, LinearSolverKind::krylov);
  PolicyEvaluator dense(mdp, LinearSolverKind::dense_lu);
  Evaluation iterative, direct;
  krylov.evaluate_policy(policy, iterative, true);
  dense.evaluate_policy(policy, direct, true);
  CHECK(krylov.solver() == LinearSolverKind::krylov);
  CHECK(krylov.last_solve().value_residual > 1e-12);  // accepted at the floor
  CHECK((iterative.v - direct.v).cwiseAbs().maxCoeff() <= 1e-10 * mdp.value_scale());
  CHECK((iterative.visitation - direct.visitation).cwiseAbs().maxCoeff() <= 1e-10);
}

TEST_CASE("a true residual that stays above the tolerance and its floor is an error") {
  // A deterministic cycle at gamma = 0.99999: P_pi is a cyclic shift, on which BiCGSTAB stalls
  // far above rounding.
  const Mdp mdp = tabrl::testing::cycle_mdp(600, 0.99999);
  const StateActionMatrix policy = StateActionMatrix::Ones(600, 1);
  Bicgstab solver(mdp, 1e-12);
  solver.prepare(policy);
  Vector v = Vector::Zero(mdp.num_states());
  std::string message;
  try {
    solver.solve_value(mdp.rewards().col(0), v);
  } catch (const SolverFailure& error) {
    message = error.what();
  }
  CHECK(message.find("did not reach the relative residual 1e-12 or its rounding floor") !=
        std::string::npos);
  CHECK(message.find("visitation") == std::string::npos);  // not asked for
  CHECK(solver.report().value_residual > 1e-11);
}

TEST_CASE(
    "a stalled run gives up after a window without progress, and the visitation is then skipped") {
  // 20,000 states: each run's budget is 40,000 iterations and its window 1,000. On the cycle at
  // gamma = 0.99999 the residual falls by about gamma per iteration, far from halving in a
  // window: the run gives up at the first window's end, and no second run follows. The value
  // solve failed, so the visitation is not solved, and the message says so; above the dense
  // solver's limit only the sparse one is named.
  const Index n = 20000;
  const Mdp mdp = tabrl::testing::cycle_mdp(n, 0.99999);
  REQUIRE(n > kFallbackStateLimit);
  const StateActionMatrix policy = StateActionMatrix::Ones(n, 1);
  Bicgstab solver(mdp, 1e-12);
  solver.prepare(policy);
  Vector v = Vector::Zero(n);
  Vector x = Vector::Zero(n);
  std::string message;
  try {
    solver.solve(mdp.rewards().col(0), v, mdp.rho(), &x);
  } catch (const SolverFailure& error) {
    message = error.what();
  }
  CHECK(message.find("visitation not solved") != std::string::npos);
  CHECK(message.find("the sparse direct solver (sparse)") != std::string::npos);
  CHECK(message.find("(dense, sparse)") == std::string::npos);
  CHECK(solver.report().iterations >= 999);
  CHECK(solver.report().iterations < 2000);
  CHECK(solver.report().visitation_residual == 0.0);
}
