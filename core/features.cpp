#include "features.hpp"

#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <vector>

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

double FeatureMatrix::largest_magnitude() const {
  if (sparse_storage_) {
    const Eigen::Map<const Vector> values(sparse_.valuePtr(), sparse_.nonZeros());
    return values.size() == 0 ? 0.0 : values.cwiseAbs().maxCoeff();
  }
  return dense_.size() == 0 ? 0.0 : dense_.cwiseAbs().maxCoeff();
}

void FeatureMatrix::dense_block_logits(const Vector& theta, Index row, Index rows,
                                       double* z) const {
  Eigen::Map<Vector> out(z, rows);
  out.setZero();
  const auto column = [&](Index j) { return dense_.col(j).segment(row, rows); };
  Index j = 0;
  for (; j + 8 <= dim_; j += 8) {
    out += column(j) * theta[j] + column(j + 1) * theta[j + 1] + column(j + 2) * theta[j + 2] +
           column(j + 3) * theta[j + 3] + column(j + 4) * theta[j + 4] +
           column(j + 5) * theta[j + 5] + column(j + 6) * theta[j + 6] +
           column(j + 7) * theta[j + 7];
  }
  for (; j < dim_; ++j) out += column(j) * theta[j];
}

void FeatureMatrix::logits(const Vector& theta, StateActionMatrix& z) const {
  z.resize(states_, actions_);
  Eigen::Map<Vector> flat(z.data(), z.size());
  if (sparse_storage_) {
    flat.noalias() = sparse_ * theta;
    return;
  }
  // Blocks of rows of a fixed size: the same sums on any thread count.
  const Index rows = flat.size();
  const Index block = 1024;
  const Index blocks = (rows + block - 1) / block;
  for_each_index(blocks, dense_.size() >= kParallelMinimum, [&](Index b) {
    const Index first = b * block;
    dense_block_logits(theta, first, std::min(block, rows - first), flat.data() + first);
  });
}

void FeatureMatrix::pull_back(const StateActionMatrix& g, Vector& out) const {
  const Eigen::Map<const Vector> flat(g.data(), g.size());
  if (sparse_storage_) {
    out.noalias() = sparse_.transpose() * flat;
  } else {
    out.noalias() = dense_.transpose() * flat;
  }
}

void FeatureMatrix::abs_pull_back(const StateActionMatrix& m, Vector& out) const {
  const Eigen::Map<const Vector> flat(m.data(), m.size());
  if (sparse_storage_) {
    out.noalias() = sparse_.cwiseAbs().transpose() * flat;
    return;
  }
  out.resize(dim_);
  for_each_index(dim_, dense_.size() >= kParallelMinimum,
                 [&](Index j) { out[j] = dense_.col(j).cwiseAbs().dot(flat); });
}

Index FeatureMatrix::chunk_states() const {
  return std::max<Index>(1, (kReductionChunk + actions_ - 1) / actions_);
}

void FeatureMatrix::weighted_design_rows(const StateActionMatrix& p, const Vector& c, Index first,
                                         Index end, Eigen::MatrixXd& out) const {
  const Index count = end - first;
  const Index row = first * actions_;
  const Index rows = count * actions_;
  out.resize(rows, dim_);
  // The table p is row-major S x A, i.e. column-major A x S: each column of X restricted to
  // these states is viewed the same way, A x count, and centred column by column.
  using Block = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Map<const Block> probabilities(p.data() + row, actions_, count);
  Block roots(actions_, count);
  for (Index s = 0; s < count; ++s) {
    // max(0, .): a visitation solved to rounding can be -1e-18 in a state the start never
    // reaches (its weight is 0, and sqrt of it would be NaN).
    roots.col(s) = (c[first + s] * probabilities.col(s).array()).max(0.0).sqrt().matrix();
  }
  Eigen::RowVectorXd means(count);
  // Sparse storage: these rows of X made dense first (k <= kDenseGramLimit here).
  Eigen::MatrixXd sparse_rows;
  if (sparse_storage_) sparse_rows = sparse_.middleRows(row, rows);
  for (Index j = 0; j < dim_; ++j) {
    const double* source = sparse_storage_ ? sparse_rows.col(j).data() : dense_.col(j).data() + row;
    const Eigen::Map<const Block> column(source, actions_, count);
    means = probabilities.cwiseProduct(column).colwise().sum();
    Eigen::Map<Block>(out.col(j).data(), actions_, count) =
        roots.cwiseProduct(column - means.replicate(actions_, 1));
  }
}

void FeatureMatrix::weighted_design(const StateActionMatrix& p, const Vector& c,
                                    Eigen::MatrixXd& out) const {
  out.resize(states_ * actions_, dim_);
  Eigen::MatrixXd block;
  const Index per_block = chunk_states();
  for (Index first = 0; first < states_; first += per_block) {
    const Index end = std::min(states_, first + per_block);
    weighted_design_rows(p, c, first, end, block);
    out.middleRows(first * actions_, block.rows()) = block;
  }
}

void FeatureMatrix::weighted_gram(const StateActionMatrix& p, const Vector& c,
                                  Eigen::MatrixXd& dense_out) const {
  if (sparse_storage_) {
    Eigen::SparseMatrix<double> gram;
    weighted_gram(p, c, gram);
    dense_out = Eigen::MatrixXd(gram);
    return;
  }
  // H = B^T B with B the weighted design matrix, as symmetric rank updates: B in blocks of
  // rows (a few MB, formed just before use), grouped in fixed chunks of states whose partial
  // sums are added in chunk order. The number of chunks depends on S, A and k only (at most 16,
  // and at most 2^23 entries of partial sums), so the result is the same on any thread count.
  const Index pairs = states_ * actions_;
  const Index by_memory = std::max<Index>(1, (Index{1} << 23) / (dim_ * dim_));
  const Index by_size = std::max<Index>(1, pairs / 1024);
  const Index chunks = std::min<Index>({16, by_memory, by_size, states_});
  const Index per_chunk = (states_ + chunks - 1) / chunks;
  const Index block_states = std::max<Index>(1, (Index{1} << 18) / (actions_ * dim_));
  std::vector<Eigen::MatrixXd> partial(static_cast<std::size_t>(chunks));
  for_each_index(chunks, pairs * dim_ * dim_ >= (Index{1} << 22), [&](Index chunk) {
    Eigen::MatrixXd& sum = partial[static_cast<std::size_t>(chunk)];
    Eigen::MatrixXd design;  // a few MB, allocated once per chunk
    sum.setZero(dim_, dim_);
    const Index end = std::min(states_, (chunk + 1) * per_chunk);
    for (Index first = chunk * per_chunk; first < end; first += block_states) {
      weighted_design_rows(p, c, first, std::min(end, first + block_states), design);
      sum.selfadjointView<Eigen::Lower>().rankUpdate(design.transpose());
    }
  });
  dense_out.setZero(dim_, dim_);
  for (const Eigen::MatrixXd& sum : partial) {
    dense_out.triangularView<Eigen::Lower>() += sum;
  }
  dense_out.triangularView<Eigen::StrictlyUpper>() = dense_out.transpose();
}

void FeatureMatrix::weighted_gram(const StateActionMatrix& p, const Vector& c,
                                  Eigen::SparseMatrix<double>& sparse_out) const {
  if (!sparse_storage_) {
    Eigen::MatrixXd dense_gram;
    weighted_gram(p, c, dense_gram);
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
    const double root = std::sqrt(std::max(c[s], 0.0));
    for (Index a = 0; a < actions_; ++a) {
      weights[s * actions_ + a] = std::max(c[s], 0.0) * p(s, a);
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
