// The feature matrix of a log-linear policy (docs/theory.md, "Log-linear policies"):
//   pi_theta[s, a] = exp(phi(s, a)^T theta) / sum_b exp(phi(s, b)^T theta),
// with X the (S A) x k matrix whose row s A + a is phi(s, a)^T, so the logits are z = X theta and
// a logit gradient G maps to theta as X^T vec(G). X is stored dense, or sparse when at most a
// tenth of its entries are non-zero (one-hot features at S = 1e5 must not allocate S A x S A);
// every operation below works on either storage.
#pragma once

#include <algorithm>
#include <vector>

#include <tabrl/core/parallel.hpp>
#include <tabrl/core/types.hpp>

namespace tabrl {

class FeatureMatrix {
 public:
  using Sparse = SparseRowMatrix;

  // Takes X ((S A) x k, k >= 1, finite; checked by the caller) and stores it dense or sparse
  // by its density.
  FeatureMatrix(Index states, Index actions, Eigen::MatrixXd values);
  FeatureMatrix(Index states, Index actions, Sparse values);
  // Eigen's own sparse type, as Sparse: taken over when moved, else copied (overloads of their
  // own: it would otherwise convert equally well to Sparse and to MatrixXd).
  FeatureMatrix(Index states, Index actions, Sparse::Base&& values)
      : FeatureMatrix(states, actions, Sparse(std::move(values))) {}
  FeatureMatrix(Index states, Index actions, const Sparse::Base& values)
      : FeatureMatrix(states, actions, Sparse(values)) {}
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
  // max |X(i, j)| (0 for an empty or all-zero X).
  double largest_magnitude() const;

  // z = X theta, as an S x A table.
  void logits(const Vector& theta, StateActionMatrix& z) const;
  // out = X^T vec(g), for an S x A table g.
  void pull_back(const StateActionMatrix& g, Vector& out) const;
  // out = |X|^T vec(m) (entry-wise absolute values of X), for an S x A table m: the sums of the
  // magnitudes of the terms of pull_back, for rounding bounds.
  void abs_pull_back(const StateActionMatrix& m, Vector& out) const;
  // One pass of a function of the logits whose logit gradient at state s depends only on the
  // logits of state s (the SPMA projection): z = X theta; then, for each fixed chunk of states
  // [first, end), `fill(first, end)` reads z on those rows, writes g on them and returns the
  // chunk's share of the value; finally out = X^T vec(g). Returns the sum of the shares. The
  // chunks' shares and, for dense X, their parts of X^T vec(g) (computed while the chunk's rows
  // of X are in cache) are added in chunk order: the result does not depend on the thread count.
  // `partials` is the caller's work storage for the chunks' sums.
  template <class Fill>
  double fused_pass(const Vector& theta, StateActionMatrix& z, StateActionMatrix& g, Vector& out,
                    std::vector<double>& partials, const Fill& fill) const;
  // States per chunk of fused_pass (and per block of weighted_design): fixed by A alone.
  Index chunk_states() const;
  // The k x k matrix sum_s c[s] Xbar_s^T diag(p[s, :]) Xbar_s, with Xbar_s = X_s - 1 p[s, :] X_s
  // the features of state s centred under p: the Hessian of the SPMA projection and the Fisher
  // matrix of compatible NPG. `dense_out` for dim() <= kDenseGramLimit, else `sparse_out`.
  // Dense X: symmetric rank updates of its weighted centred rows, formed a few MB at a time, in
  // fixed chunks of states summed in order (the same result on any thread count).
  void weighted_gram(const StateActionMatrix& p, const Vector& c, Eigen::MatrixXd& dense_out) const;
  void weighted_gram(const StateActionMatrix& p, const Vector& c,
                     Eigen::SparseMatrix<double>& sparse_out) const;
  // The rows of states [first, end) of weighted_design into `out` ((end - first) A x k).
  void weighted_design_rows(const StateActionMatrix& p, const Vector& c, Index first, Index end,
                            Eigen::MatrixXd& out) const;
  // The rows sqrt(c[s] p[s, a]) (phi(s, a) - sum_b p[s, b] phi(s, b))^T, (S A) x k dense: the
  // weighted design matrix of a least-squares problem whose normal matrix is weighted_gram.
  void weighted_design(const StateActionMatrix& p, const Vector& c, Eigen::MatrixXd& out) const;

 private:
  // z[0, rows) = rows [row, row + rows) of X theta (dense storage), eight columns of X at a time
  // (contiguous runs: Eigen's column-major product of a tall block is several times slower).
  void dense_block_logits(const Vector& theta, Index row, Index rows, double* z) const;

  Index states_ = 0;
  Index actions_ = 0;
  Index dim_ = 0;
  bool sparse_storage_ = false;
  Eigen::MatrixXd dense_;
  Sparse sparse_;
};

// Features enter products and squares (the Hessian's x x^T): a feature file's entries beyond
// this magnitude would overflow them, and the run would stall on infinities rather than fail.
// The readers refuse them at their line and column.
constexpr double kLargestFeature = 1e100;
// Features whose largest magnitude is below this (and not 0) are refused by the log-linear rules:
// the squares in the Hessian would underflow (and the gradient's norm with them), and the exact
// projection would stop at once as if converged.
constexpr double kSmallestFeatureScale = 1e-100;

// Feature dimensions up to this use dense k x k Hessians and a rank-revealing solve; above it
// the sparse Hessian and conjugate gradients (docs/algorithms.md, "Log-linear policies").
constexpr Index kDenseGramLimit = 2048;
// Compatible NPG fits the weighted design matrix itself ((S A) x k dense) up to this many
// entries, and solves the normal equations above.
constexpr Index kDenseDesignLimit = 20'000'000;

template <class Fill>
double FeatureMatrix::fused_pass(const Vector& theta, StateActionMatrix& z, StateActionMatrix& g,
                                 Vector& out, std::vector<double>& partials,
                                 const Fill& fill) const {
  z.resize(states_, actions_);
  g.resize(states_, actions_);
  const Index per_chunk = chunk_states();
  const Index chunks = (states_ + per_chunk - 1) / per_chunk;
  // Per chunk: its share of the value, then (dense) its k entries of X^T vec(g).
  const Index stride = sparse_storage_ ? 1 : 1 + dim_;
  partials.resize(static_cast<std::size_t>(chunks * stride));
  double* sums = partials.data();
  if (sparse_storage_) logits(theta, z);
  const bool zero = (theta.array() == 0.0).all();  // z = 0 without reading X
  // Within a chunk, blocks of rows small enough to stay in cache between z = X theta and the
  // product with g.
  const Index block_states =
      std::max<Index>(1, (Index{1} << 15) / std::max<Index>(1, actions_ * dim_));
  for_each_index(chunks, states_ * actions_ * dim_ >= kParallelMinimum, [&](Index chunk) {
    const Index first = chunk * per_chunk;
    const Index end = std::min(states_, first + per_chunk);
    double* share = sums + chunk * stride;
    share[0] = 0.0;
    if (sparse_storage_) {
      share[0] = fill(first, end);
      return;
    }
    Eigen::Map<Vector> chunk_out(share + 1, dim_);
    chunk_out.setZero();
    for (Index block = first; block < end; block += block_states) {
      const Index block_end = std::min(end, block + block_states);
      const Index row = block * actions_;
      const Index rows = (block_end - block) * actions_;
      const auto x = dense_.middleRows(row, rows);
      Eigen::Map<Vector> z_block(z.data() + row, rows);
      if (zero) {
        z_block.setZero();
      } else {
        dense_block_logits(theta, row, rows, z_block.data());
      }
      share[0] += fill(block, block_end);
      const Eigen::Map<const Vector> g_block(g.data() + row, rows);
      chunk_out.noalias() += x.transpose() * g_block;
    }
  });
  double value = 0.0;
  if (sparse_storage_) {
    for (Index chunk = 0; chunk < chunks; ++chunk) value += sums[chunk];
    pull_back(g, out);
    return value;
  }
  out.setZero(dim_);
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    value += sums[chunk * stride];
    out += Eigen::Map<const Vector>(sums + chunk * stride + 1, dim_);
  }
  return value;
}

}  // namespace tabrl
