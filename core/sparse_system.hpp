// M = I - gamma P_pi as a sparse matrix whose pattern never changes: it holds every (s, s')
// reachable under some action, and the position of each transition entry in it is precomputed,
// so refilling it for a new policy is one pass over the kernel with no allocation.
#pragma once

#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

class SparsePolicySystem {
 public:
  explicit SparsePolicySystem(const Mdp& mdp);
  // Writes I - gamma P_pi for `policy` into matrix().
  void fill(const StateActionMatrix& policy);
  const Eigen::SparseMatrix<double>& matrix() const { return matrix_; }
  double diagonal(Index state) const {
    return matrix_.valuePtr()[diagonal_position_[static_cast<std::size_t>(state)]];
  }

 private:
  const Mdp& mdp_;
  Eigen::SparseMatrix<double> matrix_;
  std::vector<int> transition_to_system_;  // entry k of the kernel -> its place in matrix_
  std::vector<int> diagonal_position_;
};

}  // namespace tabrl
