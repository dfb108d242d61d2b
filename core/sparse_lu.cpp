#include "sparse_lu.hpp"

#include <stdexcept>

namespace tabrl {

SparseLu::SparseLu(const Mdp& mdp) : system_(mdp) { lu_.analyzePattern(system_.matrix()); }

void SparseLu::prepare(const StateActionMatrix& policy) {
  system_.fill(policy);
  lu_.factorize(system_.matrix());
  if (lu_.info() != Eigen::Success) {
    throw std::runtime_error("sparse LU factorisation of I - gamma P_pi failed: " +
                             lu_.lastErrorMessage());
  }
}

void SparseLu::solve_value(const Vector& value_rhs, Vector& v) { v = lu_.solve(value_rhs); }

void SparseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) {
  v = lu_.solve(value_rhs);
  if (x != nullptr) *x = lu_.transpose().solve(visitation_rhs);
}

}  // namespace tabrl
