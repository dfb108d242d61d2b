// The feature matrix of a log-linear policy (docs/theory.md, "Log-linear policies"):
//   pi_theta[s, a] = exp(phi(s, a)^T theta) / sum_b exp(phi(s, b)^T theta),
// with X the (S A) x k matrix whose row s A + a is phi(s, a)^T, so the logits are z = X theta and
// a logit gradient G maps to theta as X^T vec(G). X is stored dense, or sparse when at most a
// tenth of its entries are non-zero (one-hot features at S = 1e5 must not allocate S A x S A);
// every operation below works on either storage.
#pragma once

#include <tabrl/core/types.hpp>

namespace tabrl {

class FeatureMatrix {
 public:
  using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

  // Takes X ((S A) x k, k >= 1, finite; checked by the caller) and stores it dense or sparse
  // by its density.
  FeatureMatrix(Index states, Index actions, Eigen::MatrixXd values);
  FeatureMatrix(Index states, Index actions, Sparse values);
  // phi(s, a) = e_{s A + a}: the tabular softmax, stored sparse.
  static FeatureMatrix one_hot(Index states, Index actions);

  Index states() const { return states_; }
  Index actions() const { return actions_; }
  Index dim() const { return dim_; }
  bool is_sparse() const { return sparse_storage_; }
  const Eigen::MatrixXd& dense() const { return dense_; }  // empty when sparse
  const Sparse& sparse() const { return sparse_; }         // empty when dense
  // The stored non-zeros (dense: S A k).
  Index stored_entries() const;

  // z = X theta, as an S x A table.
  void logits(const Vector& theta, StateActionMatrix& z) const;
  // out = X^T vec(g), for an S x A table g.
  void pull_back(const StateActionMatrix& g, Vector& out) const;
  // The k x k matrix sum_s c[s] Xbar_s^T diag(p[s, :]) Xbar_s, with Xbar_s = X_s - 1 p[s, :] X_s
  // the features of state s centred under p: the Hessian of the SPMA projection and the Fisher
  // matrix of compatible NPG. `dense_out` for dim() <= kDenseGramLimit, else `sparse_out`.
  // `workspace` holds the (S A) x k weighted design matrix of dense features between calls.
  void weighted_gram(const StateActionMatrix& p, const Vector& c, Eigen::MatrixXd& dense_out,
                     Eigen::MatrixXd& workspace) const;
  void weighted_gram(const StateActionMatrix& p, const Vector& c,
                     Eigen::SparseMatrix<double>& sparse_out) const;
  // The rows sqrt(c[s] p[s, a]) (phi(s, a) - sum_b p[s, b] phi(s, b))^T, (S A) x k dense: the
  // weighted design matrix of a least-squares problem whose normal matrix is weighted_gram.
  void weighted_design(const StateActionMatrix& p, const Vector& c, Eigen::MatrixXd& out) const;

 private:
  Index states_ = 0;
  Index actions_ = 0;
  Index dim_ = 0;
  bool sparse_storage_ = false;
  Eigen::MatrixXd dense_;
  Sparse sparse_;
};

// Feature dimensions up to this use dense k x k Hessians and a rank-revealing solve; above it
// the sparse Hessian and conjugate gradients (docs/algorithms.md, "Log-linear policies").
constexpr Index kDenseGramLimit = 2048;
// Compatible NPG fits the weighted design matrix itself ((S A) x k dense) up to this many
// entries, and solves the normal equations above.
constexpr Index kDenseDesignLimit = 20'000'000;

}  // namespace tabrl
