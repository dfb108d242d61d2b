// M = I - gamma P_pi row by row (compressed rows), assembled straight from the kernel rows that
// pi selects, for the Krylov solver (docs/engine.md, "Krylov assembly"). Row s of M is e_s minus
// gamma pi[s, a] times row (s, a) of P, summed over the actions:
// - a deterministic policy (every row one 1 and zeros) selects one kernel row per state: M's row
//   is that row with the diagonal merged in, no product at all (what policy iteration needs);
// - any other policy uses the union of the state's kernel rows, a pattern built once at the first
//   such policy, with each kernel entry's place in it precomputed.
// Both forms give every entry of M the same value, and every product the same sum, bit for bit,
// as subtracting each action's products in action order from a zeroed row: they only leave out
// entries that would be exact zeros. M^T is a column-ordered copy, made when a transposed product
// is first asked for after an assembly. All loops over states run on fixed chunks
// (core/parallel.hpp), so nothing depends on the thread count.
#pragma once

#include <cstdint>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

class PolicyRows {
 public:
  explicit PolicyRows(const Mdp& mdp);
  // Builds M for `policy` (rows are distributions).
  void assemble(const StateActionMatrix& policy);
  // out = M x.
  void multiply(const double* x, double* out) const;
  // Makes the transposed copy of the last assembly, if not made yet: call before
  // multiply_transposed.
  void prepare_transpose();
  // out = M^T x, each entry summed over the rows in increasing order.
  void multiply_transposed(const double* x, double* out) const;
  double diagonal(Index state) const {
    const auto k = static_cast<std::size_t>(state);
    return values_[static_cast<std::size_t>(deterministic_ ? diagonal_[k] : union_diagonal_[k])];
  }
  // Whether the last assembly used the one-action rows of a deterministic policy.
  bool deterministic() const { return deterministic_; }
  Index nonzeros() const { return deterministic_ ? starts_.back() : union_starts_.back(); }

 private:
  // True (and the action of each state in actions_) when every row of `policy` is one 1.
  bool find_actions(const StateActionMatrix& policy);
  void assemble_deterministic();
  void build_union_pattern();
  void assemble_union(const StateActionMatrix& policy);
  // The transposed structure of the active rows by a counting sort (rows stay in increasing
  // order within each column); calls placed(entry, position) for every entry.
  template <class Placed>
  void sort_by_column(const std::int64_t* starts, const int* columns, const Placed& placed);
  const std::int64_t* active_starts() const {
    return deterministic_ ? starts_.data() : union_starts_.data();
  }
  const int* active_columns() const {
    return deterministic_ ? columns_.data() : union_columns_.data();
  }

  const Mdp& mdp_;
  bool deterministic_ = false;
  bool union_built_ = false;
  bool transpose_current_ = false;
  bool transpose_is_union_ = false;     // the transposed structure is that of the union pattern
  std::vector<int> actions_;            // deterministic policy: the action of each state
  std::vector<std::int64_t> starts_;    // row s of M: entries [starts_[s], starts_[s + 1])
  std::vector<int> columns_;            // column of each entry
  std::vector<double> values_;          // value of each entry
  std::vector<std::int64_t> diagonal_;  // entry holding M[s, s]
  std::vector<double> partials_;        // chunk sums (core/parallel.hpp)
  // The union pattern (kept, since it does not depend on the policy).
  std::vector<std::int64_t> union_starts_;
  std::vector<int> union_columns_;
  std::vector<std::int64_t> union_diagonal_;
  std::vector<int> kernel_to_union_;     // kernel entry k -> its entry in the union rows
  std::vector<int> union_to_transpose_;  // union entry -> its entry in the transpose
  // M^T by rows (M by columns).
  std::vector<std::int64_t> transpose_starts_;
  std::vector<int> transpose_columns_;
  std::vector<double> transpose_values_;
  std::vector<std::int64_t> fill_;  // counting-sort cursor, one per column
};

}  // namespace tabrl
