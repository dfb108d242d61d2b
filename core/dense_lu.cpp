#include "dense_lu.hpp"

#include <algorithm>
#include <vector>

namespace tabrl {

// Eigen::internal::partial_lu_inplace is not public API. It is pinned here to the Eigen series
// it was checked against; tests/test_evaluation.cpp compares the result with PartialPivLU.
static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "partial_lu_inplace is Eigen-internal: re-check partial_pivot_lu_in_place against "
              "this Eigen version (and its test in tests/test_evaluation.cpp)");

void partial_pivot_lu_in_place(Eigen::MatrixXd& matrix,
                               Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int>& rows) {
  int transpositions = 0;
  Eigen::internal::partial_lu_inplace(matrix, rows, transpositions);
}

namespace {

// The rows of M are built kTileRows at a time in a row-major tile, then copied into the
// column-major system: each column's kTileRows entries are contiguous there.
constexpr Index kTileRows = 8;

}  // namespace

DenseLu::DenseLu(const Mdp& mdp) : mdp_(mdp) {
  const Index num_states = mdp.num_states();
  system_.resize(num_states, num_states);
  row_transpositions_.resize(num_states);
  work_.resize(num_states);
  tile_.resize(static_cast<std::size_t>(kTileRows * num_states));
}

namespace {

// row[j] = (((start[j] - w[0] p[0][j]) - w[1] p[1][j]) - ...), N terms, in this order;
// start is row itself, or 0 when `from_zero`: one pass over the row for up to four actions.
template <int N>
void subtract_weighted_rows(double* row, Index length, const double* weights,
                            const double* const* rows, bool from_zero) {
  for (Index j = 0; j < length; ++j) {
    double entry = from_zero ? 0.0 : row[j];
    for (int i = 0; i < N; ++i) entry -= weights[i] * rows[i][j];
    row[j] = entry;
  }
}

void subtract_weighted_rows(int count, double* row, Index length, const double* weights,
                            const double* const* rows, bool from_zero) {
  switch (count) {
    case 1:
      subtract_weighted_rows<1>(row, length, weights, rows, from_zero);
      break;
    case 2:
      subtract_weighted_rows<2>(row, length, weights, rows, from_zero);
      break;
    case 3:
      subtract_weighted_rows<3>(row, length, weights, rows, from_zero);
      break;
    default:
      subtract_weighted_rows<4>(row, length, weights, rows, from_zero);
      break;
  }
}

}  // namespace

void DenseLu::build_row(const StateActionMatrix& policy, Index s, double* row) const {
  // Row s of M = I - gamma P_pi: starting from e_s, each action of non-zero weight subtracts
  // gamma pi[s, a] times its kernel row, in action order. Both kernel forms do exactly these
  // operations in this order on every entry (an entry absent from a sparse row subtracts an exact
  // zero there), so they build the same matrix, bit for bit.
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  if (mdp_.kernel_storage() != KernelStorage::dense) {
    const TransitionMatrix& transitions = mdp_.transitions();
    std::fill(row, row + num_states, 0.0);
    row[s] = 1.0;
    for (Index a = 0; a < num_actions; ++a) {
      const double weight = gamma * policy(s, a);
      if (weight == 0.0) continue;
      for (TransitionMatrix::InnerIterator it(transitions, mdp_.transition_row(s, a)); it; ++it) {
        row[it.col()] -= weight * it.value();
      }
    }
    return;
  }
  // Dense kernel: up to four actions per pass over the row. The first pass starts from 0 (the
  // diagonal entry, which starts from 1, is redone alone); later passes continue from the row.
  const double* kernel = mdp_.dense_transitions().data();
  double weights[4];
  const double* rows[4];
  int count = 0;
  bool started = false;
  const auto flush = [&] {
    if (count == 0) return;
    double diagonal = started ? row[s] : 1.0;
    for (int i = 0; i < count; ++i) diagonal -= weights[i] * rows[i][s];
    subtract_weighted_rows(count, row, num_states, weights, rows, !started);
    row[s] = diagonal;
    started = true;
    count = 0;
  };
  for (Index a = 0; a < num_actions; ++a) {
    const double weight = gamma * policy(s, a);
    if (weight == 0.0) continue;
    weights[count] = weight;
    rows[count] = kernel + mdp_.transition_row(s, a) * num_states;
    if (++count == 4) flush();
  }
  flush();
  if (!started) {
    std::fill(row, row + num_states, 0.0);
    row[s] = 1.0;
  }
}

void DenseLu::prepare(const StateActionMatrix& policy) {
  // M is built kTileRows rows at a time in a row-major tile, which is then copied into the
  // column-major system_, where the tile's part of each column is contiguous.
  const Index num_states = mdp_.num_states();
  double* system = system_.data();
  for (Index first = 0; first < num_states; first += kTileRows) {
    const Index count = std::min(kTileRows, num_states - first);
    for (Index k = 0; k < count; ++k) build_row(policy, first + k, tile_.data() + k * num_states);
    for (Index j = 0; j < num_states; ++j) {
      double* column = system + j * num_states + first;
      for (Index k = 0; k < count; ++k)
        column[k] = tile_[static_cast<std::size_t>(k * num_states + j)];
    }
  }
  partial_pivot_lu_in_place(system_, row_transpositions_);
}

void DenseLu::solve_value(const Vector& value_rhs, Vector& v) {
  // P M = L U.  M v = b:  v = U \ (L \ P b).
  v.resize(value_rhs.size());
  v.noalias() = row_transpositions_ * value_rhs;
  system_.triangularView<Eigen::UnitLower>().solveInPlace(v);
  system_.triangularView<Eigen::Upper>().solveInPlace(v);
}

void DenseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) {
  // P M = L U.  M v = b:  v = U \ (L \ P b).  M^T x = c:  x = P^T (L^T \ (U^T \ c)).
  const Index num_states = value_rhs.size();
  solve_value(value_rhs, v);
  work_ = visitation_rhs;
  system_.transpose().triangularView<Eigen::Lower>().solveInPlace(work_);      // U^T
  system_.transpose().triangularView<Eigen::UnitUpper>().solveInPlace(work_);  // L^T
  x.resize(num_states);
  x.noalias() = row_transpositions_.transpose() * work_;
}

}  // namespace tabrl
