// Numeric types shared by every tabrl module.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>

namespace tabrl {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
// S x A tables (rewards, Q, A, logits, policies): row s holds the actions of state s, so a
// row-major table maps onto the (s, a) -> s * A + a numbering of transition rows.
using StateActionMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A row-major sparse matrix that moves without copying. Eigen 3.4's SparseMatrix has a copy
// constructor but no move constructor or move assignment, so `std::move` of one makes a deep copy:
// a kernel handed from a builder to MdpParts to Mdp was held three times at once (704 MB peak for
// a dense 2000-state Garnet whose sparse kernel takes 192 MB). Moves here swap the storage (O(1)),
// leaving the source empty; everything else is Eigen's.
class SparseRowMatrix : public Eigen::SparseMatrix<double, Eigen::RowMajor, int> {
 public:
  using Base = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;
  using Base::Base;

  SparseRowMatrix() = default;
  SparseRowMatrix(const SparseRowMatrix&) = default;
  SparseRowMatrix(SparseRowMatrix&& other) noexcept { swap(other); }
  SparseRowMatrix(Base&& other) noexcept { swap(other); }
  SparseRowMatrix& operator=(const SparseRowMatrix& other) {
    Base::operator=(other);
    return *this;
  }
  SparseRowMatrix& operator=(SparseRowMatrix&& other) noexcept {
    swap(other);
    return *this;
  }
  template <typename Expression>
  SparseRowMatrix& operator=(const Eigen::SparseMatrixBase<Expression>& other) {
    Base::operator=(other);
    return *this;
  }
  ~SparseRowMatrix() = default;
};

// Transition kernel: one row per (s, a) pair (row s * A + a), one column per next state.
using TransitionMatrix = SparseRowMatrix;

}  // namespace tabrl
