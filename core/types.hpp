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
// Transition kernel: one row per (s, a) pair (row s * A + a), one column per next state.
using TransitionMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

}  // namespace tabrl
