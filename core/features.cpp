#include "features.hpp"

#include <Eigen/SparseCore>
#include <cmath>

namespace tabrl {
namespace {

// Sparse storage pays off when at most this fraction of the entries is non-zero.
constexpr double kSparseDensity = 0.1;

}  // namespace

FeatureMatrix::FeatureMatrix(Index states, Index actions, Eigen::MatrixXd values)
    : states_(states), actions_(actions), dim_(values.cols()) {
  const Index nonzeros = (values.array() != 0.0).count();
  if (static_cast<double>(nonzeros) <= kSparseDensity * static_cast<double>(values.size())) {
    sparse_storage_ = true;
    sparse_ = values.sparseView(0.0, 0.0);
    sparse_.makeCompressed();
  } else {
    dense_ = std::move(values);
  }
}

FeatureMatrix::FeatureMatrix(Index states, Index actions, Sparse values)
    : states_(states),
      actions_(actions),
      dim_(values.cols()),
      sparse_storage_(true),
      sparse_(std::move(values)) {
  sparse_.makeCompressed();
}

FeatureMatrix FeatureMatrix::one_hot(Index states, Index actions) {
  const Index n = states * actions;
  Sparse identity(n, n);
  identity.reserve(Eigen::VectorXi::Ones(n));
  for (Index i = 0; i < n; ++i) identity.insert(i, i) = 1.0;
  return FeatureMatrix(states, actions, std::move(identity));
}

Index FeatureMatrix::stored_entries() const {
  return sparse_storage_ ? sparse_.nonZeros() : dense_.size();
}

void FeatureMatrix::logits(const Vector& theta, StateActionMatrix& z) const {
  z.resize(states_, actions_);
  Eigen::Map<Vector> flat(z.data(), z.size());
  if (sparse_storage_) {
    flat.noalias() = sparse_ * theta;
  } else {
    flat.noalias() = dense_ * theta;
  }
}

void FeatureMatrix::pull_back(const StateActionMatrix& g, Vector& out) const {
  const Eigen::Map<const Vector> flat(g.data(), g.size());
  if (sparse_storage_) {
    out.noalias() = sparse_.transpose() * flat;
  } else {
    out.noalias() = dense_.transpose() * flat;
  }
}

void FeatureMatrix::weighted_design(const StateActionMatrix& p, const Vector& c,
                                    Eigen::MatrixXd& out) const {
  out.resize(states_ * actions_, dim_);
  Eigen::RowVectorXd mean(dim_);
  for (Index s = 0; s < states_; ++s) {
    const Index first = s * actions_;
    if (sparse_storage_) {
      out.middleRows(first, actions_) = sparse_.middleRows(first, actions_);
    } else {
      out.middleRows(first, actions_) = dense_.middleRows(first, actions_);
    }
    mean.noalias() = p.row(s) * out.middleRows(first, actions_);
    for (Index a = 0; a < actions_; ++a) {
      const double weight = std::sqrt(c[s] * p(s, a));
      out.row(first + a) = weight * (out.row(first + a) - mean);
    }
  }
}

void FeatureMatrix::weighted_gram(const StateActionMatrix& p, const Vector& c,
                                  Eigen::MatrixXd& dense_out, Eigen::MatrixXd& workspace) const {
  if (sparse_storage_) {
    Eigen::SparseMatrix<double> gram;
    weighted_gram(p, c, gram);
    dense_out = Eigen::MatrixXd(gram);
    return;
  }
  // H = B^T B with B the weighted design matrix: one symmetric rank-k update.
  weighted_design(p, c, workspace);
  dense_out.setZero(dim_, dim_);
  dense_out.selfadjointView<Eigen::Lower>().rankUpdate(workspace.transpose());
  dense_out.triangularView<Eigen::StrictlyUpper>() = dense_out.transpose();
}

void FeatureMatrix::weighted_gram(const StateActionMatrix& p, const Vector& c,
                                  Eigen::SparseMatrix<double>& sparse_out) const {
  if (!sparse_storage_) {
    Eigen::MatrixXd dense_gram, workspace;
    weighted_gram(p, c, dense_gram, workspace);
    sparse_out = dense_gram.sparseView(0.0, 0.0);
    return;
  }
  // sum_s c_s Xbar_s^T diag(p_s) Xbar_s = X^T diag(c p) X - sum_s c_s m_s m_s^T with
  // m_s = X_s^T p_s: both terms are sparse products, M = P X with P(s, s A + a) = sqrt(c_s) p_sa.
  const Index n = states_ * actions_;
  Vector weights(n);
  Eigen::SparseMatrix<double, Eigen::RowMajor, int> means_of(states_, n);
  means_of.reserve(Eigen::VectorXi::Constant(states_, static_cast<int>(actions_)));
  for (Index s = 0; s < states_; ++s) {
    const double root = std::sqrt(c[s]);
    for (Index a = 0; a < actions_; ++a) {
      weights[s * actions_ + a] = c[s] * p(s, a);
      if (p(s, a) != 0.0 && root != 0.0) means_of.insert(s, s * actions_ + a) = root * p(s, a);
    }
  }
  means_of.makeCompressed();
  const Eigen::SparseMatrix<double> weighted = weights.asDiagonal() * sparse_;
  const Eigen::SparseMatrix<double> means = means_of * sparse_;
  const Eigen::SparseMatrix<double> transposed = sparse_.transpose();
  sparse_out = transposed * weighted;
  sparse_out -= Eigen::SparseMatrix<double>(means.transpose()) * means;
}

}  // namespace tabrl
