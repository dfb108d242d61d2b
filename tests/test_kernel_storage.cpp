// The two kernel storages (docs/engine.md, "Kernel storage") and the thread-count independence
// of the parallel loops (docs/engine.md, "Threads"): the dense path builds the same I - gamma P_pi
// as the sparse one, bit for bit, its Q agrees to rounding, and every result is the same on 1 and
// 2 threads.
#include <doctest/doctest.h>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <tabrl/core/error.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::random_mdp;

namespace {

// The number of enclosing parallel regions, active or not (0 without OpenMP).
int omp_level() {
#if defined(_OPENMP)
  return omp_get_level();
#else
  return 0;
#endif
}

Mdp with_storage(const Mdp& mdp, KernelStorage storage) {
  return Mdp(mdp.parts(), {.kernel = storage});
}

double max_relative_difference(const Eigen::Ref<const Eigen::ArrayXd>& a,
                               const Eigen::Ref<const Eigen::ArrayXd>& b) {
  return ((a - b).abs() / a.abs().max(b.abs()).max(1e-300)).maxCoeff();
}

// The objectives of `iterations` SPMA steps z += log1p(eta A) from uniform logits.
std::vector<double> spma_objectives(const Mdp& mdp, LinearSolverKind solver, int iterations) {
  PolicyEvaluator evaluator(mdp, solver);
  Evaluation evaluation;
  StateActionMatrix logits = uniform_logits(mdp.num_states(), mdp.num_actions());
  std::vector<double> objectives;
  for (int t = 0; t < iterations; ++t) {
    evaluator.evaluate_logits(logits, evaluation);
    objectives.push_back(evaluation.objective);
    logits.array() += (0.05 * evaluation.advantage.array()).log1p();
  }
  return objectives;
}

}  // namespace

TEST_CASE("the automatic kernel storage is dense from about 45% non-zeros on") {
  CHECK(kernel_storage_for(40, 10, 400) == KernelStorage::dense);  // fully dense
  // 8 * 400 = 3200 bytes dense against 12 nnz + 4 * 41 sparse: dense iff
  // 3200 <= 1.5 (12 nnz + 164).
  CHECK(kernel_storage_for(40, 10, 165) == KernelStorage::dense);   // 1.5 * 2144 = 3216
  CHECK(kernel_storage_for(40, 10, 164) == KernelStorage::sparse);  // 1.5 * 2132 = 3198
  CHECK(random_mdp(20, 3, 0.9, 1).kernel_storage() == KernelStorage::dense);
  CHECK(make_garnet(100, 4, 5, 1).kernel_storage() == KernelStorage::sparse);
  CHECK(make_garnet(10, 4, 5, 1).kernel_storage() == KernelStorage::dense);
  CHECK(parse_kernel_storage("dense") == KernelStorage::dense);
  CHECK_THROWS_AS(parse_kernel_storage("full"), InputError);
}

TEST_CASE("an aligned matrix starts on a cache line at every size, and copies keep it so") {
  for (const Index rows : {1, 3, 100, 401}) {
    for (const Index cols : {1, 7, 100}) {
      CAPTURE(rows);
      CAPTURE(cols);
      AlignedMatrix matrix;
      matrix.set_zero(rows, cols);
      CHECK(reinterpret_cast<std::uintptr_t>(matrix.data()) % 64 == 0);
      CHECK(matrix.view().isZero(0.0));
      matrix(rows - 1, cols - 1) = 2.5;
      CHECK(matrix.view()(rows - 1, cols - 1) == 2.5);
      CHECK(matrix.data()[rows * cols - 1] == 2.5);
      const AlignedMatrix copy = matrix;
      CHECK(reinterpret_cast<std::uintptr_t>(copy.data()) % 64 == 0);
      CHECK(copy.view() == matrix.view());
      AlignedMatrix moved = std::move(matrix);
      CHECK(moved.view() == copy.view());
      CHECK(matrix.rows() == 0);  // NOLINT(bugprone-use-after-move): moved-from is 0 x 0
      CHECK(matrix.cols() == 0);
    }
  }
}

TEST_CASE("dense row dot products of a block with an outer stride read its rows where they are") {
  const StateActionMatrix wide = StateActionMatrix::Random(9, 12);
  const Vector x = Vector::Random(5);
  Vector y(9);
  dense_row_dots(wide.leftCols(5), x.data(), y.data());
  const Vector expected = wide.leftCols(5) * x;
  CHECK((y - expected).cwiseAbs().maxCoeff() <= 1e-14);
}

TEST_CASE("the dense kernel holds exactly the sparse kernel's values") {
  const Mdp sparse = with_storage(make_garnet(30, 3, 4, 2), KernelStorage::sparse);
  const Mdp dense = with_storage(sparse, KernelStorage::dense);
  REQUIRE(sparse.kernel_storage() == KernelStorage::sparse);
  REQUIRE(dense.kernel_storage() == KernelStorage::dense);
  CHECK(sparse.dense_transitions().size() == 0);
  const Eigen::MatrixXd expected = Eigen::MatrixXd(sparse.transitions());
  CHECK((dense.dense_transitions().array() == expected.array()).all());
  // Its rows start on a cache line (core/aligned_matrix.hpp), in a copy of the MDP too.
  const Mdp copy = dense;
  for (const Mdp* mdp : {&dense, &copy}) {
    CHECK(reinterpret_cast<std::uintptr_t>(mdp->dense_transitions().data()) % 64 == 0);
  }
  CHECK(copy.dense_transitions().data() != dense.dense_transitions().data());
  CHECK((copy.dense_transitions().array() == expected.array()).all());
  // P v from either form, against the same product written out.
  const Vector v = Vector::LinSpaced(30, -1.0, 2.0);
  Vector from_sparse(90), from_dense(90);
  sparse.apply_transitions(v, from_sparse.data());
  dense.apply_transitions(v, from_dense.data());
  const Vector reference = expected * v;
  CHECK(max_relative_difference(from_sparse, reference) <= 1e-14);
  CHECK(max_relative_difference(from_dense, reference) <= 1e-14);
}

TEST_CASE("dense and sparse kernels give the same evaluations and curves") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Mdp dense = random_mdp(40, 3, 0.95, seed, -1.0, 1.0);
    REQUIRE(dense.kernel_storage() == KernelStorage::dense);
    const Mdp sparse = with_storage(dense, KernelStorage::sparse);
    const StateActionMatrix logits = random_logits(40, 3, seed + 7, 1.5);
    SUBCASE("dense LU: the same matrix, the same factors, the same V and visitation") {
      PolicyEvaluator from_dense(dense, LinearSolverKind::dense_lu);
      PolicyEvaluator from_sparse(sparse, LinearSolverKind::dense_lu);
      Evaluation a, b;
      from_dense.evaluate_logits(logits, a);
      from_sparse.evaluate_logits(logits, b);
      CHECK((a.v.array() == b.v.array()).all());
      CHECK((a.visitation.array() == b.visitation.array()).all());
      // Q = r + gamma P V: the dense rows sum in vector partial sums, the sparse ones in
      // column order.
      CHECK((a.q - b.q).cwiseAbs().maxCoeff() <= 1e-14 * a.q.cwiseAbs().maxCoeff());
      CHECK((a.advantage - b.advantage).cwiseAbs().maxCoeff() <= 1e-14 * a.q.cwiseAbs().maxCoeff());
    }
    SUBCASE("Krylov on a dense M against Krylov on a sparse M") {
      PolicyEvaluator from_dense(dense, LinearSolverKind::krylov);
      PolicyEvaluator from_sparse(sparse, LinearSolverKind::krylov);
      Evaluation a, b;
      from_dense.evaluate_logits(logits, a);
      from_sparse.evaluate_logits(logits, b);
      CHECK(max_relative_difference(a.v, b.v) <= 1e-11);
      CHECK(max_relative_difference(a.visitation, b.visitation) <= 1e-11);
    }
    SUBCASE("SPMA curves agree to 1e-12 with dense LU and with Krylov") {
      for (const LinearSolverKind solver : {LinearSolverKind::dense_lu, LinearSolverKind::krylov}) {
        const std::vector<double> a = spma_objectives(dense, solver, 30);
        const std::vector<double> b = spma_objectives(sparse, solver, 30);
        for (std::size_t t = 0; t < a.size(); ++t) {
          CHECK(std::abs(a[t] - b[t]) <= 1e-12 * std::abs(b[t]));
        }
      }
    }
    SUBCASE("optimal solution") {
      const OptimalSolution a = solve_optimal(dense);
      const OptimalSolution b = solve_optimal(sparse);
      CHECK(a.policy == b.policy);
      CHECK((a.v.array() == b.v.array()).all());
      CHECK(a.bellman_check_passed);
    }
  }
}

TEST_CASE("fixed-chunk sums do not depend on the thread count") {
  // 10 chunks and more than kParallelMinimum entries: the loop runs in parallel.
  const Index n = 10 * kReductionChunk + 123;
  Vector values(n);
  for (Index i = 0; i < n; ++i) values[i] = std::sin(0.37 * static_cast<double>(i)) * 1e3;
  std::vector<double> partials;
  const auto sum = [&] {
    return chunked_sums<1>(n, partials, [&](Index begin, Index end) {
      return std::array<double, 1>{values.segment(begin, end - begin).sum()};
    })[0];
  };
  // The same chunks added in order, written out.
  double expected = 0.0;
  for (Index begin = 0; begin < n; begin += kReductionChunk) {
    expected += values.segment(begin, std::min(kReductionChunk, n - begin)).sum();
  }
  const int threads = thread_count();
  set_thread_count(1);
  const double one = sum();
  set_thread_count(2);
  const double two = sum();
  set_thread_count(threads);
  CHECK(one == expected);
  CHECK(two == expected);
  CHECK(std::abs(one - values.sum()) <= 1e-9 * values.cwiseAbs().sum());
}

TEST_CASE("a small loop stays outside the OpenMP runtime, a large one runs in parallel") {
  // An OpenMP loop with a false `if` clause would still be an (inactive) parallel region, at
  // level 1, and would cost a system call when the pool has idle threads.
  const int threads = thread_count();
  set_thread_count(2);
  std::vector<int> levels(64, -1);
  for_each_index(64, false, [&](Index i) { levels[static_cast<std::size_t>(i)] = omp_level(); });
  CHECK(std::count(levels.begin(), levels.end(), 0) == 64);
  std::vector<int> large(64, -1);
  for_each_index(64, true, [&](Index i) { large[static_cast<std::size_t>(i)] = omp_level(); });
  set_thread_count(threads);
  CHECK(std::count(large.begin(), large.end(), built_with_openmp() ? 1 : 0) == 64);
}

TEST_CASE("evaluations and the optimal solution are bit-identical on 1 and 2 threads") {
  // Large enough for the parallel loops (S A = 160,000 kernel rows, 10 chunks of states).
  const Mdp mdp = make_garnet(40000, 4, 5, 3);
  const StateActionMatrix logits = random_logits(40000, 4, 5, 1.0);
  const int threads = thread_count();
  std::vector<Evaluation> evaluations;
  std::vector<OptimalSolution> optima;
  for (const int count : {1, 2}) {
    set_thread_count(count);
    PolicyEvaluator evaluator(mdp, LinearSolverKind::krylov);
    Evaluation evaluation;
    evaluator.evaluate_logits(logits, evaluation);
    evaluator.evaluate_logits(logits.array() + 0.1 * evaluation.advantage.array(), evaluation);
    evaluations.push_back(evaluation);
    optima.push_back(solve_optimal(mdp, LinearSolverKind::krylov));
  }
  set_thread_count(threads);
  CHECK((evaluations[0].v.array() == evaluations[1].v.array()).all());
  CHECK((evaluations[0].q.array() == evaluations[1].q.array()).all());
  CHECK((evaluations[0].visitation.array() == evaluations[1].visitation.array()).all());
  CHECK((optima[0].v.array() == optima[1].v.array()).all());
  CHECK(optima[0].policy == optima[1].policy);
  CHECK(optima[0].bellman_check_passed);
}
