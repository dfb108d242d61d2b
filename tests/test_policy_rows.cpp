// The Krylov solver's rows of M = I - gamma P_pi (core/policy_rows) against the fixed-pattern
// system of the sparse LU path (core/sparse_system), which subtracts every action's products in
// action order: same diagonal, same products M x and M^T x bit for bit (the reference's explicit
// zeros add nothing), for deterministic, stochastic and mixed policies and every switch between
// them; and policy iteration with loose-then-tight Krylov solves against exact dense LU.
#include <doctest/doctest.h>

#include <cmath>

#include <tabrl/core/optimal.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/policy_rows.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/sparse_system.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;

namespace {

// Row s one-hot on a random action.
StateActionMatrix deterministic(Index states, Index actions, Random& random) {
  StateActionMatrix policy = StateActionMatrix::Zero(states, actions);
  for (Index s = 0; s < states; ++s) {
    policy(s, static_cast<Index>(random.uniform() * static_cast<double>(actions)) % actions) = 1.0;
  }
  return policy;
}

// Softmax of random logits; with `mixed`, a third of the rows one-hot and a third with one exact
// zero.
StateActionMatrix stochastic(Index states, Index actions, Random& random, bool mixed) {
  StateActionMatrix logits(states, actions);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < actions; ++a) logits(s, a) = 3.0 * random.uniform();
  }
  StateActionMatrix policy;
  softmax_rows(logits, policy);
  if (mixed) {
    for (Index s = 0; s < states; s += 3) {
      policy.row(s).setZero();
      policy(s, s % actions) = 1.0;
    }
    for (Index s = 1; s < states; s += 3) {
      policy(s, 0) = 0.0;
      policy.row(s) /= policy.row(s).sum();
    }
  }
  return policy;
}

// Checks PolicyRows against SparsePolicySystem for `policy`.
void check_same_system(const Mdp& mdp, PolicyRows& rows, const StateActionMatrix& policy,
                       bool expect_deterministic, Random& random) {
  SparsePolicySystem reference(mdp);
  reference.fill(policy);
  rows.assemble(policy);
  CHECK(rows.deterministic() == expect_deterministic);
  const Index n = mdp.num_states();
  for (Index s = 0; s < n; ++s) REQUIRE(rows.diagonal(s) == reference.diagonal(s));
  Vector x(n);
  for (Index s = 0; s < n; ++s) x[s] = random.uniform() - 0.5;
  // The reference's rows (its column-major matrix holds M's columns).
  const Eigen::SparseMatrix<double, Eigen::RowMajor, int> by_rows = reference.matrix();
  Vector expected(n), got(n);
  gather_product(by_rows, x.data(), expected.data());
  rows.multiply(x.data(), got.data());
  CHECK((got.array() == expected.array()).all());
  gather_product(reference.matrix(), x.data(), expected.data());
  rows.prepare_transpose();
  rows.multiply_transposed(x.data(), got.data());
  CHECK((got.array() == expected.array()).all());
  // And against a plain dense product, independently of any summation order.
  const Eigen::MatrixXd dense = Eigen::MatrixXd(reference.matrix());
  const Vector plain = dense * x;
  CHECK((got - dense.transpose() * x).cwiseAbs().maxCoeff() <= 1e-14 * static_cast<double>(n));
  rows.multiply(x.data(), got.data());
  CHECK((got - plain).cwiseAbs().maxCoeff() <= 1e-14 * static_cast<double>(n));
  if (expect_deterministic) {
    CHECK(rows.nonzeros() <= mdp.transitions().nonZeros() / mdp.num_actions() + 2 * n);
  }
}

}  // namespace

TEST_CASE("the Krylov rows of M equal the fixed-pattern system, bit for bit") {
  Random random(11);
  // A sparse Garnet (the diagonal in some kernel rows, not in others) and a dense random MDP
  // (the diagonal in every row).
  for (const Mdp& mdp : {make_garnet(300, 3, 4, 5), random_mdp(40, 3, 0.9, 2)}) {
    CAPTURE(mdp.num_states());
    const Index n = mdp.num_states();
    const Index actions = mdp.num_actions();
    PolicyRows rows(mdp);
    // Every switch: deterministic -> stochastic -> mixed -> deterministic -> stochastic.
    check_same_system(mdp, rows, deterministic(n, actions, random), true, random);
    check_same_system(mdp, rows, stochastic(n, actions, random, false), false, random);
    check_same_system(mdp, rows, stochastic(n, actions, random, true), false, random);
    check_same_system(mdp, rows, deterministic(n, actions, random), true, random);
    check_same_system(mdp, rows, stochastic(n, actions, random, false), false, random);
  }
}

TEST_CASE("a multiplication by M^T needs the transposed copy of the current assembly") {
  // Assembling a new policy after a transposed product must not reuse the old transpose.
  const Mdp mdp = make_garnet(200, 2, 3, 8);
  Random random(4);
  PolicyRows rows(mdp);
  StateActionMatrix first = deterministic(200, 2, random);
  StateActionMatrix second = first;
  second.rowwise().reverseInPlace();  // the other action everywhere
  for (StateActionMatrix* policy : {&first, &second, &first}) {
    check_same_system(mdp, rows, *policy, true, random);
  }
}

TEST_CASE("policy iteration with loose-then-tight Krylov solves matches exact dense LU") {
  // gamma 0.99: many sweeps, and loose values far from exact (relative residual 1e-6 against
  // values of order 100).
  for (const double gamma : {0.9, 0.99}) {
    CAPTURE(gamma);
    const Mdp garnet = make_garnet(400, 4, 3, 21);
    MdpParts parts = garnet.parts();
    parts.gamma = gamma;
    const Mdp mdp(std::move(parts));
    const OptimalSolution exact = solve_optimal(mdp, LinearSolverKind::dense_lu);
    const OptimalSolution krylov = solve_optimal(mdp, LinearSolverKind::krylov);
    CHECK(exact.bellman_check_passed);
    CHECK(krylov.bellman_check_passed);
    CHECK(krylov.policy == exact.policy);
    CHECK((krylov.v - exact.v).cwiseAbs().maxCoeff() <= 1e-10 * exact.v.cwiseAbs().maxCoeff());
    CHECK(std::abs(krylov.objective - exact.objective) <= 1e-10 * std::abs(exact.objective));
    // The tight phase adds at least one sweep (the check of the loose phase's stable policy).
    CHECK(krylov.iterations >= exact.iterations);
  }
}
