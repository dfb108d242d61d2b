// Numeric types shared by every tabrl module.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <utility>

namespace tabrl {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
// S x A tables (rewards, Q, A, logits, policies): row s holds the actions of state s, so a
// row-major table maps onto the (s, a) -> s * A + a numbering of transition rows.
using StateActionMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A row-major sparse matrix that moves without copying. Eigen 3.4's SparseMatrix has a copy
// constructor but no move constructor or move assignment, so `std::move` of one makes a deep copy:
// a kernel handed from a builder to MdpParts to Mdp was held three times at once (a dense
// 2000-state Garnet's run peaked at 695 MB, its sparse kernel taking 192 MB). Moves here take the
// storage over (O(1)) and leave the source an empty 0 x 0 matrix; everything else is Eigen's. As
// an Eigen template argument (Map, Ref, a solver) use SparseRowMatrix::Base: Eigen knows only it.
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
  SparseRowMatrix& operator=(SparseRowMatrix&& other) noexcept { return take(other); }
  SparseRowMatrix& operator=(Base&& other) noexcept { return take(other); }
  template <typename Expression>
  SparseRowMatrix& operator=(const Eigen::SparseMatrixBase<Expression>& other) {
    Base::operator=(other);
    return *this;
  }
  ~SparseRowMatrix() = default;

 private:
  // The storage of `other`, which is left empty (a self-move changes nothing).
  SparseRowMatrix& take(Base& other) noexcept {
    SparseRowMatrix taken(std::move(other));
    swap(taken);
    return *this;
  }
};

// Transition kernel: one row per (s, a) pair (row s * A + a), one column per next state.
using TransitionMatrix = SparseRowMatrix;

}  // namespace tabrl
