// The dense solver's Krylov stage (docs/engine.md, "Dense solver: GMRES, else LU"): GMRES answers
// as accurate as the LU's, checked against an independent pivoted LU; the value solve the same
// with or without the visitation; the LU where GMRES does not pay, with the back-off; the same
// bits on 1 and 2 threads; and the GMRES routine itself on known systems.
#include <doctest/doctest.h>

#include <Eigen/LU>
#include <cmath>
#include <limits>
#include <vector>

#include <tabrl/core/dense_gmres.hpp>
#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;

namespace {

// M = I - gamma P_pi built independently of the solver, from the sparse kernel.
Eigen::MatrixXd system_matrix(const Mdp& mdp, const StateActionMatrix& policy) {
  const Index n = mdp.num_states();
  Eigen::MatrixXd m = Eigen::MatrixXd::Identity(n, n);
  for (Index s = 0; s < n; ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it;
           ++it) {
        m(s, it.col()) -= mdp.gamma() * policy(s, a) * it.value();
      }
    }
  }
  return m;
}

// Solutions of M y = b and M^T y = b in long double (about 11 more bits than double): the
// reference both the solver's answers and a double-precision pivoted LU's are measured against.
struct Reference {
  Vector value, visitation;
};
Reference long_double_solutions(const Eigen::MatrixXd& m, const Vector& value_rhs,
                                const Vector& visitation_rhs) {
  using LongMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  using LongVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
  const LongMatrix wide = m.cast<long double>();
  const Eigen::PartialPivLU<LongMatrix> lu(wide);
  const LongVector value = lu.solve(LongVector(value_rhs.cast<long double>()));
  const LongVector visitation =
      lu.transpose().solve(LongVector(visitation_rhs.cast<long double>()));
  return {value.cast<double>(), visitation.cast<double>()};
}

// The forward error a backward error of 0.75 sqrt(S) unit roundoffs allows: cond_inf(M) <=
// (1 + gamma) / (1 - gamma) times it, relative to the largest entry. Written out here, apart from
// the solver's own target, so that a looser target fails the tests.
double forward_allowance(const Mdp& mdp) {
  const double kappa = (1.0 + mdp.gamma()) / (1.0 - mdp.gamma());
  return 2.0 * kappa * 0.75 * std::sqrt(static_cast<double>(mdp.num_states())) * 0x1p-53;
}

Vector expected_reward(const Mdp& mdp, const StateActionMatrix& policy) {
  return policy.cwiseProduct(mdp.rewards()).rowwise().sum();
}

// One SPMA-like step z += log1p(eta A) from the exact values of the policy (rows sum to one).
void step_logits(const Mdp& mdp, const Vector& v, StateActionMatrix& logits, double eta) {
  StateActionMatrix q(mdp.num_states(), mdp.num_actions());
  mdp.apply_transitions(v, q.data());
  for (Index s = 0; s < mdp.num_states(); ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      const double advantage = mdp.rewards()(s, a) + mdp.gamma() * q(s, a) - v[s];
      logits(s, a) += std::log1p(eta * advantage);
    }
  }
}

double max_abs(const Vector& x) { return x.lpNorm<Eigen::Infinity>(); }

// The normwise backward error of x for M x = b (M^T x = b when transposed), computed apart from
// the solver: the residual in long double, with M built independently.
double backward_error_of(const Eigen::MatrixXd& m, bool transposed, const Vector& b,
                         const Vector& x) {
  using LongMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  using LongVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
  const LongMatrix wide = transposed ? LongMatrix(m.transpose().cast<long double>())
                                     : LongMatrix(m.cast<long double>());
  const LongVector residual = b.cast<long double>() - wide * x.cast<long double>();
  const long double norm = wide.cwiseAbs().rowwise().sum().maxCoeff();
  return static_cast<double>(residual.cwiseAbs().maxCoeff() /
                             (norm * x.cast<long double>().cwiseAbs().maxCoeff() +
                              b.cast<long double>().cwiseAbs().maxCoeff()));
}

// The backward error the dense solver promises, written out apart from its own target (with a
// quarter more for the rounding of an independently built M).
double promised_backward_error(Index states) {
  return 1.25 * 0.75 * std::sqrt(static_cast<double>(states)) * 0x1p-53;
}

}  // namespace

TEST_CASE("GMRES answers of the dense solver are as accurate as a pivoted LU's") {
  // A dense random MDP of 120 states: GMRES (budget 20 steps) converges from the warm start.
  const Mdp mdp = random_mdp(120, 4, 0.9, 5);
  REQUIRE(mdp.kernel_storage() == KernelStorage::dense);
  const double allowance = forward_allowance(mdp);
  const double target = dense_backward_error_target(mdp.num_states());
  DenseLu solver(mdp);
  StateActionMatrix logits = uniform_logits(120, 4), policy;
  Vector v, x;
  int by_gmres = 0;
  for (int t = 0; t < 30; ++t) {
    CAPTURE(t);
    softmax_rows(logits, policy);
    const Vector reward = expected_reward(mdp, policy);
    solver.prepare(policy);
    solver.solve(reward, v, mdp.rho(), &x);
    if (!solver.factorised()) {
      ++by_gmres;
      CHECK(solver.report().iterations > 0);
      CHECK(solver.report().value_residual <= target);
      CHECK(solver.report().visitation_residual <= target);
    }
    const Eigen::MatrixXd m = system_matrix(mdp, policy);
    if (!solver.factorised()) {
      CHECK(backward_error_of(m, false, reward, v) <= promised_backward_error(120));
      CHECK(backward_error_of(m, true, mdp.rho(), x) <= promised_backward_error(120));
    }
    const Reference exact = long_double_solutions(m, reward, mdp.rho());
    CHECK(max_abs(v - exact.value) <= allowance * max_abs(exact.value));
    CHECK(max_abs(x - exact.visitation) <= allowance * max_abs(exact.visitation));
    // The allowance is one a double-precision pivoted LU meets as well.
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(m);
    CHECK(max_abs(lu.solve(reward) - exact.value) <= allowance * max_abs(exact.value));
    step_logits(mdp, v, logits, 0.05);
  }
  // The first solve has no warm start: the LU. Every later one is GMRES's.
  CHECK(by_gmres == 29);
}

TEST_CASE("the dense solver's value does not depend on whether the visitation is solved") {
  const Mdp mdp = random_mdp(100, 3, 0.95, 8);
  DenseLu with(mdp), without(mdp);
  StateActionMatrix logits = uniform_logits(100, 3), policy;
  Vector v_with, v_without, x;
  for (int t = 0; t < 20; ++t) {
    softmax_rows(logits, policy);
    const Vector reward = expected_reward(mdp, policy);
    with.prepare(policy);
    without.prepare(policy);
    with.solve(reward, v_with, mdp.rho(), &x);
    without.solve(reward, v_without, mdp.rho(), nullptr);
    CHECK((v_with.array() == v_without.array()).all());
    step_logits(mdp, v_with, logits, 0.3);
  }
  CHECK(!without.factorised());
}

TEST_CASE("dense and sparse kernel storage give the dense solver the same bits, GMRES answering") {
  // Six actions (two passes over each row of M), some of zero weight (the last among them), a
  // few deterministic rows, and gamma = 0 on a second MDP: the sums M 1 and M x0 that GMRES
  // starts from are taken in the pass that writes a dense row, and as row dot products of a
  // sparse one; both must be the bits of GMRES's own products.
  for (const double gamma : {0.9, 0.0}) {
    CAPTURE(gamma);
    MdpParts parts = random_mdp(80, 6, 0.9, 12).parts();
    parts.gamma = gamma;
    const Mdp dense(parts, {.kernel = KernelStorage::dense});
    const Mdp sparse(parts, {.kernel = KernelStorage::sparse});
    DenseLu on_dense(dense), on_sparse(sparse);
    StateActionMatrix logits = uniform_logits(80, 6), policy;
    Vector v_dense, v_sparse, x_dense, x_sparse;
    int by_gmres = 0;
    for (int t = 0; t < 15; ++t) {
      CAPTURE(t);
      softmax_rows(logits, policy);
      for (Index s = 0; s < 80; ++s) {
        policy(s, 5) = 0.0;  // the last action never taken
        if (s % 7 == 0) policy.row(s) << 0.0, 0.0, 1.0, 0.0, 0.0, 0.0;  // deterministic
        policy.row(s) /= policy.row(s).sum();
      }
      const Vector reward = expected_reward(dense, policy);
      on_dense.prepare(policy);
      on_sparse.prepare(policy);
      on_dense.solve(reward, v_dense, dense.rho(), &x_dense);
      on_sparse.solve(reward, v_sparse, sparse.rho(), &x_sparse);
      CHECK((v_dense.array() == v_sparse.array()).all());
      CHECK((x_dense.array() == x_sparse.array()).all());
      CHECK(on_dense.report().iterations == on_sparse.report().iterations);
      if (!on_dense.factorised()) ++by_gmres;
      step_logits(dense, v_dense, logits, 0.05);
    }
    CHECK(by_gmres >= 10);
  }
}

TEST_CASE("||M||_1 from the diagonal and M^T 1 is the largest absolute column sum") {
  const Mdp mdp = random_mdp(70, 4, 0.95, 4);
  StateActionMatrix policy = StateActionMatrix::Constant(70, 4, 0.25);
  const Vector ones = Vector::Ones(70);
  Vector work(70);
  for (int variant = 0; variant < 3; ++variant) {
    CAPTURE(variant);
    if (variant == 1) {  // deterministic
      policy.setZero();
      for (Index s = 0; s < 70; ++s) policy(s, s % 4) = 1.0;
    }
    if (variant == 2) softmax_rows(StateActionMatrix::Random(70, 4) * 3.0, policy);
    const Eigen::MatrixXd m = system_matrix(mdp, policy);
    AlignedMatrix stored;
    stored.set_zero(70, 70);
    stored.view() = m;
    const double expected = m.cwiseAbs().colwise().sum().maxCoeff();
    REQUIRE(expected > 1.0);
    CHECK(std::abs(signed_one_norm(stored, ones, work) - expected) <= 70.0 * 0x1p-53 * expected);
  }
}

TEST_CASE("a second solve of the same policy does not depend on what the first one solved") {
  // As evaluate_regularised after evaluate_policy: the same policy, another right-hand side.
  // Every combination of solving the visitation or not, on the first and the second solve,
  // gives the same values, bit for bit.
  const Mdp mdp = random_mdp(90, 3, 0.9, 12);
  std::vector<DenseLu> solvers;
  for (int k = 0; k < 4; ++k) solvers.emplace_back(mdp);
  StateActionMatrix logits = uniform_logits(90, 3), policy;
  std::vector<Vector> first(4), second(4), visitations(4);
  for (int t = 0; t < 15; ++t) {
    CAPTURE(t);
    softmax_rows(logits, policy);
    const Vector reward = expected_reward(mdp, policy);
    const Vector other = reward + Vector::Constant(90, 0.25);
    for (int k = 0; k < 4; ++k) {
      const bool first_with_x = (k & 1) != 0, second_with_x = (k & 2) != 0;
      DenseLu& solver = solvers[static_cast<std::size_t>(k)];
      Vector* x = &visitations[static_cast<std::size_t>(k)];
      solver.prepare(policy);
      solver.solve(reward, first[static_cast<std::size_t>(k)], mdp.rho(),
                   first_with_x ? x : nullptr);
      solver.solve(other, second[static_cast<std::size_t>(k)], mdp.rho(),
                   second_with_x ? x : nullptr);
    }
    for (int k = 1; k < 4; ++k) {
      CHECK((first[static_cast<std::size_t>(k)].array() == first[0].array()).all());
      CHECK((second[static_cast<std::size_t>(k)].array() == second[0].array()).all());
    }
    step_logits(mdp, first[0], logits, 0.05);
  }
}

TEST_CASE("where GMRES does not converge within its budget the LU answers, and GMRES backs off") {
  // A slow chain (gamma = 0.99) under a new random policy at every solve: the warm start is far
  // from the answer, and I - gamma P_pi, close to a random walk's, needs far more GMRES steps
  // than the budget of 20.
  const Mdp mdp = make_chain(120, 0.05, 0.01, 1.0, 0.99);
  REQUIRE(DenseLu::krylov_budget(120) == 20);
  DenseLu solver(mdp), reference(mdp);
  StateActionMatrix logits(120, mdp.num_actions()), policy;
  Vector v, v_reference;
  std::vector<int> attempts;
  for (int t = 0; t < 40; ++t) {
    Random random(static_cast<std::uint64_t>(t + 1));
    for (Index s = 0; s < 120; ++s) {
      for (Index a = 0; a < mdp.num_actions(); ++a) logits(s, a) = 3.0 * random.uniform();
    }
    softmax_rows(logits, policy);
    const Vector reward = expected_reward(mdp, policy);
    solver.prepare(policy);
    solver.solve(reward, v, mdp.rho(), nullptr);
    CHECK(solver.factorised());
    if (solver.report().iterations > 0) attempts.push_back(t);
    // The LU's answer, bit for bit that of a plain LU solve.
    reference.prepare(policy);
    reference.solve_value(reward, v_reference);
    CHECK((v.array() == v_reference.array()).all());
  }
  // Tried at solve 1 (solve 0 is cold), then after skipping 2, 4, 8, 8 and 8 solves.
  CHECK(attempts == std::vector<int>{1, 4, 9, 18, 27, 36});
}

TEST_CASE("on the chain under SPMA, GMRES answers where its budget suffices, as accurately") {
  // The same chain under SPMA: the first guesses are too far for the budget; once the
  // extrapolated path predicts well, GMRES needs about as many steps as its budget allows, and
  // answers some solves. Every answer, GMRES's or the LU's, agrees with a pivoted LU.
  const Mdp mdp = make_chain(120, 0.05, 0.01, 1.0, 0.99);
  const double allowance = forward_allowance(mdp);
  DenseLu solver(mdp);
  StateActionMatrix logits = uniform_logits(120, mdp.num_actions()), policy;
  Vector v;
  int by_gmres = 0;
  for (int t = 0; t < 40; ++t) {
    softmax_rows(logits, policy);
    const Vector reward = expected_reward(mdp, policy);
    solver.prepare(policy);
    solver.solve(reward, v, mdp.rho(), nullptr);
    if (!solver.factorised()) ++by_gmres;
    const Vector exact = long_double_solutions(system_matrix(mdp, policy), reward, mdp.rho()).value;
    CHECK(max_abs(v - exact) <= allowance * max_abs(exact));
    step_logits(mdp, v, logits, 0.01);
  }
  CHECK(by_gmres >= 10);
}

TEST_CASE("dense solves are bit-identical on 1 and 2 threads") {
  // 1100 states: M has more than 2^20 entries, so its products run on both threads.
  const Index states = 1100;
  const Mdp mdp = make_garnet(states, 3, 5, 4);
  const int threads = thread_count();
  std::vector<Vector> values, visitations;
  std::vector<std::vector<int>> products(2);
  for (const int count : {1, 2}) {
    set_thread_count(count);
    DenseLu solver(mdp);
    StateActionMatrix logits = uniform_logits(states, 3), policy;
    Vector v, x;
    for (int t = 0; t < 5; ++t) {
      softmax_rows(logits, policy);
      solver.prepare(policy);
      solver.solve(expected_reward(mdp, policy), v, mdp.rho(), &x);
      products[static_cast<std::size_t>(count - 1)].push_back(solver.report().iterations);
      step_logits(mdp, v, logits, 0.05);
    }
    CHECK(!solver.factorised());
    values.push_back(v);
    visitations.push_back(x);
  }
  set_thread_count(threads);
  CHECK(products[0] == products[1]);
  CHECK((values[0].array() == values[1].array()).all());
  CHECK((visitations[0].array() == visitations[1].array()).all());
}

TEST_CASE("GMRES: known answers, the transposed system, and a budget too small") {
  // A strictly diagonally dominant 60 x 60 system with a known solution.
  Random random(11);
  const Index n = 60;
  StateActionMatrix a(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) a(i, j) = 0.5 * (random.uniform() - 0.5) / n;
    a(i, i) += 1.0;
  }
  Vector solution(n);
  for (Index i = 0; i < n; ++i) solution[i] = std::sin(static_cast<double>(i));
  const double target = dense_backward_error_target(n);
  for (const bool transposed : {false, true}) {
    CAPTURE(transposed);
    const Vector b = transposed ? Vector(a.transpose() * solution) : Vector(a * solution);
    const double norm = transposed ? a.cwiseAbs().colwise().sum().maxCoeff()
                                   : a.cwiseAbs().rowwise().sum().maxCoeff();
    DenseGmres gmres(n, 30);
    Vector x = Vector::Zero(n);
    const DenseGmres::Result result = gmres.solve(a, transposed, norm, b, x, target);
    CHECK(result.converged);
    CHECK(result.backward_error <= target);
    CHECK(result.products >= result.steps + 2);  // the start's residual and a final check
    CHECK(max_abs(x - solution) <= 1e-13);
    // Two steps cannot reach the target from zero: not converged, and x is left alone.
    DenseGmres short_budget(n, 2);
    Vector untouched = Vector::Constant(n, 0.25);
    const DenseGmres::Result miss = short_budget.solve(a, transposed, norm, b, untouched, target);
    CHECK(!miss.converged);
    CHECK(miss.steps == 2);
    CHECK((untouched.array() == 0.25).all());
    // M x of the guess, given as computed beforehand, saves one product and nothing else.
    const Vector guess = Vector::Constant(n, 0.5);
    Vector image(n);
    if (transposed) {
      dense_transposed_product(a, guess.data(), image.data());
    } else {
      dense_row_dots(a, guess.data(), image.data());
    }
    Vector plain = guess, given = guess;
    const DenseGmres::Result plain_result = gmres.solve(a, transposed, norm, b, plain, target);
    const DenseGmres::Result given_result =
        gmres.solve(a, transposed, norm, b, given, target, {.guess_image = &image});
    CHECK(plain_result.converged);
    CHECK((plain.array() == given.array()).all());
    CHECK(given_result.products == plain_result.products - 1);
    // A right-hand side with a NaN (the rest zeros) is no system GMRES answers: the LU's NaN
    // must come through, not x = 0.
    Vector with_nan = Vector::Zero(n);
    with_nan[7] = std::numeric_limits<double>::quiet_NaN();
    Vector kept = Vector::Constant(n, 0.25);
    CHECK(!gmres.solve(a, transposed, norm, with_nan, kept, target).converged);
    CHECK((kept.array() == 0.25).all());
    // A guess that already is the answer costs the one product that checks it.
    Vector exact = x;
    const DenseGmres::Result done = gmres.solve(a, transposed, norm, b, exact, target);
    CHECK(done.converged);
    CHECK(done.products == 1);
    CHECK((exact.array() == x.array()).all());
  }
}

TEST_CASE("GMRES's deflation along the ones vector removes the eigenvalue 1 - gamma") {
  // M 1 = (1 - gamma) 1 for M = I - gamma P_pi; with A 1 given, a right-hand side along 1 is
  // solved by the deflation alone, without an Arnoldi step.
  const Mdp mdp = random_mdp(80, 2, 0.9, 3);
  StateActionMatrix policy = StateActionMatrix::Constant(80, 2, 0.5);
  const Eigen::MatrixXd m = system_matrix(mdp, policy);
  const StateActionMatrix a = m;
  const Vector ones = Vector::Ones(80);
  const Vector image = a * ones;
  const Vector b = image * 3.0;  // the solution is 3 * 1
  DenseGmres gmres(80, 20);
  Vector x = Vector::Zero(80);
  const double norm = a.cwiseAbs().rowwise().sum().maxCoeff();
  const DenseGmres::Result result =
      gmres.solve(a, false, norm, b, x, dense_backward_error_target(80), {.ones_image = &image});
  CHECK(result.converged);
  CHECK(result.steps <= 1);
  CHECK(max_abs(x - 3.0 * ones) <= 1e-14);
}
