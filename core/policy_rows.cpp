#include "policy_rows.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include <tabrl/core/parallel.hpp>

namespace tabrl {
namespace {

// y[i] = sum over the entries of row i of value * x[column], in the entries' order.
void row_products(Index rows, const std::int64_t* starts, const int* columns, const double* values,
                  const double* x, double* y) {
  for_each_index(rows, starts[rows] >= kParallelMinimum, [&](Index i) {
    double sum = 0.0;
    for (std::int64_t k = starts[i]; k < starts[i + 1]; ++k) sum += values[k] * x[columns[k]];
    y[i] = sum;
  });
}

// starts[s + 1] holds the length of row s on entry, the end of row s on exit.
void lengths_to_starts(std::vector<std::int64_t>& starts) {
  starts[0] = 0;
  for (std::size_t s = 1; s < starts.size(); ++s) starts[s] += starts[s - 1];
}

}  // namespace

PolicyRows::PolicyRows(const Mdp& mdp) : mdp_(mdp) {
  const auto num_states = static_cast<std::size_t>(mdp.num_states());
  // The union pattern and its maps index entries with int, like the kernel itself.
  if (mdp.transitions().nonZeros() + mdp.num_states() >
      static_cast<Index>(std::numeric_limits<int>::max())) {
    throw std::length_error("the system I - gamma P_pi has too many entries for 32-bit indices");
  }
  actions_.resize(num_states);
  starts_.assign(num_states + 1, 0);
  diagonal_.resize(num_states);
}

bool PolicyRows::find_actions(const StateActionMatrix& policy) {
  const Index num_actions = mdp_.num_actions();
  const double others = chunked_sums<1>(mdp_.num_states(), partials_, [&](Index begin, Index end) {
    double count = 0.0;
    for (Index s = begin; s < end; ++s) {
      int chosen = -1;
      bool one_hot = true;
      for (Index a = 0; a < num_actions; ++a) {
        const double probability = policy(s, a);
        if (probability == 1.0 && chosen < 0) {
          chosen = static_cast<int>(a);
        } else if (probability != 0.0) {
          one_hot = false;
        }
      }
      actions_[static_cast<std::size_t>(s)] = chosen;
      if (!one_hot || chosen < 0) count += 1.0;
    }
    return std::array<double, 1>{count};
  })[0];
  return others == 0.0;
}

void PolicyRows::assemble(const StateActionMatrix& policy) {
  deterministic_ = find_actions(policy);
  if (deterministic_) {
    assemble_deterministic();
  } else {
    if (!union_built_) build_union_pattern();
    assemble_union(policy);
  }
  transpose_current_ = false;
}

void PolicyRows::assemble_deterministic() {
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& kernel = mdp_.transitions();
  const int* kernel_starts = kernel.outerIndexPtr();
  const int* kernel_columns = kernel.innerIndexPtr();
  const double* probabilities = kernel.valuePtr();
  // Row s of M: the chosen kernel row, plus the diagonal where that row has no entry.
  chunked_for(num_states, [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      const Index row = s * num_actions + actions_[static_cast<std::size_t>(s)];
      const int* first = kernel_columns + kernel_starts[row];
      const int* last = kernel_columns + kernel_starts[row + 1];
      const bool has_diagonal = std::binary_search(first, last, static_cast<int>(s));
      starts_[static_cast<std::size_t>(s + 1)] = (last - first) + (has_diagonal ? 0 : 1);
    }
  });
  lengths_to_starts(starts_);
  const auto total = static_cast<std::size_t>(starts_.back());
  columns_.resize(total);
  values_.resize(total);
  // gamma pi[s, a] = gamma for the chosen action: 1 - gamma p on the diagonal, 0 - gamma p
  // elsewhere, the values the action-by-action subtraction gives.
  const double weight = mdp_.gamma();
  chunked_for(num_states, [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      const Index row = s * num_actions + actions_[static_cast<std::size_t>(s)];
      std::int64_t out = starts_[static_cast<std::size_t>(s)];
      bool diagonal_done = false;
      for (int k = kernel_starts[row]; k < kernel_starts[row + 1]; ++k) {
        const int column = kernel_columns[k];
        if (!diagonal_done && column > s) {
          columns_[static_cast<std::size_t>(out)] = static_cast<int>(s);
          values_[static_cast<std::size_t>(out)] = 1.0;
          diagonal_[static_cast<std::size_t>(s)] = out++;
          diagonal_done = true;
        }
        columns_[static_cast<std::size_t>(out)] = column;
        if (column == s) {
          values_[static_cast<std::size_t>(out)] = 1.0 - weight * probabilities[k];
          diagonal_[static_cast<std::size_t>(s)] = out;
          diagonal_done = true;
        } else {
          values_[static_cast<std::size_t>(out)] = 0.0 - weight * probabilities[k];
        }
        ++out;
      }
      if (!diagonal_done) {
        columns_[static_cast<std::size_t>(out)] = static_cast<int>(s);
        values_[static_cast<std::size_t>(out)] = 1.0;
        diagonal_[static_cast<std::size_t>(s)] = out;
      }
    }
  });
}

void PolicyRows::build_union_pattern() {
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& kernel = mdp_.transitions();
  const int* kernel_starts = kernel.outerIndexPtr();
  const int* kernel_columns = kernel.innerIndexPtr();
  // The sorted, distinct columns of state s's kernel rows and s itself, in `columns`.
  const auto union_of = [&](Index s, std::vector<int>& columns) {
    columns.assign(kernel_columns + kernel_starts[s * num_actions],
                   kernel_columns + kernel_starts[(s + 1) * num_actions]);
    columns.push_back(static_cast<int>(s));
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
  };
  union_starts_.assign(static_cast<std::size_t>(num_states + 1), 0);
  chunked_for(num_states, [&](Index begin, Index end) {
    std::vector<int> columns;
    for (Index s = begin; s < end; ++s) {
      union_of(s, columns);
      union_starts_[static_cast<std::size_t>(s + 1)] = static_cast<std::int64_t>(columns.size());
    }
  });
  lengths_to_starts(union_starts_);
  union_columns_.resize(static_cast<std::size_t>(union_starts_.back()));
  union_diagonal_.resize(static_cast<std::size_t>(num_states));
  kernel_to_union_.resize(static_cast<std::size_t>(kernel.nonZeros()));
  chunked_for(num_states, [&](Index begin, Index end) {
    std::vector<int> columns;
    for (Index s = begin; s < end; ++s) {
      union_of(s, columns);
      const std::int64_t first = union_starts_[static_cast<std::size_t>(s)];
      std::copy(columns.begin(), columns.end(), union_columns_.begin() + first);
      const auto place = [&](int column) {
        return static_cast<int>(
            first + (std::lower_bound(columns.begin(), columns.end(), column) - columns.begin()));
      };
      union_diagonal_[static_cast<std::size_t>(s)] = place(static_cast<int>(s));
      for (int k = kernel_starts[s * num_actions]; k < kernel_starts[(s + 1) * num_actions]; ++k) {
        kernel_to_union_[static_cast<std::size_t>(k)] = place(kernel_columns[k]);
      }
    }
  });
  union_built_ = true;
}

void PolicyRows::assemble_union(const StateActionMatrix& policy) {
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  const TransitionMatrix& kernel = mdp_.transitions();
  const int* kernel_starts = kernel.outerIndexPtr();
  const double* probabilities = kernel.valuePtr();
  values_.resize(union_columns_.size());
  double* values = values_.data();
  // State by state: row s of M belongs to state s alone, and each entry subtracts its products
  // in action order (an action of probability 0 subtracts exact zeros, so it is skipped).
  chunked_for(mdp_.num_states(), [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      std::fill(values + union_starts_[static_cast<std::size_t>(s)],
                values + union_starts_[static_cast<std::size_t>(s + 1)], 0.0);
      values[union_diagonal_[static_cast<std::size_t>(s)]] = 1.0;
      for (Index a = 0; a < num_actions; ++a) {
        const double weight = gamma * policy(s, a);
        if (weight == 0.0) continue;
        const Index row = s * num_actions + a;
        for (int k = kernel_starts[row]; k < kernel_starts[row + 1]; ++k) {
          values[kernel_to_union_[static_cast<std::size_t>(k)]] -= weight * probabilities[k];
        }
      }
    }
  });
}

void PolicyRows::multiply(const double* x, double* out) const {
  row_products(mdp_.num_states(), active_starts(), active_columns(), values_.data(), x, out);
}

template <class Placed>
void PolicyRows::sort_by_column(const std::int64_t* starts, const int* columns,
                                const Placed& placed) {
  const auto num_states = static_cast<std::size_t>(mdp_.num_states());
  const auto total = static_cast<std::size_t>(starts[num_states]);
  transpose_starts_.assign(num_states + 1, 0);
  for (std::size_t k = 0; k < total; ++k) ++transpose_starts_[columns[k] + std::size_t{1}];
  lengths_to_starts(transpose_starts_);
  fill_.assign(transpose_starts_.begin(), transpose_starts_.end() - 1);
  transpose_columns_.resize(total);
  transpose_values_.resize(total);
  for (std::size_t s = 0; s < num_states; ++s) {
    for (std::int64_t k = starts[s]; k < starts[s + 1]; ++k) {
      const std::int64_t position = fill_[static_cast<std::size_t>(columns[k])]++;
      transpose_columns_[static_cast<std::size_t>(position)] = static_cast<int>(s);
      placed(k, position);
    }
  }
}

void PolicyRows::prepare_transpose() {
  if (transpose_current_) return;
  if (deterministic_) {
    sort_by_column(starts_.data(), columns_.data(), [&](std::int64_t k, std::int64_t position) {
      transpose_values_[static_cast<std::size_t>(position)] = values_[static_cast<std::size_t>(k)];
    });
    transpose_is_union_ = false;
  } else {
    if (!transpose_is_union_) {
      union_to_transpose_.resize(union_columns_.size());
      sort_by_column(
          union_starts_.data(), union_columns_.data(), [&](std::int64_t k, std::int64_t position) {
            union_to_transpose_[static_cast<std::size_t>(k)] = static_cast<int>(position);
          });
      transpose_is_union_ = true;
    }
    const double* values = values_.data();
    double* transposed = transpose_values_.data();
    chunked_for(static_cast<Index>(union_to_transpose_.size()), [&](Index begin, Index end) {
      for (Index k = begin; k < end; ++k) {
        transposed[union_to_transpose_[static_cast<std::size_t>(k)]] = values[k];
      }
    });
  }
  transpose_current_ = true;
}

void PolicyRows::multiply_transposed(const double* x, double* out) const {
  row_products(mdp_.num_states(), transpose_starts_.data(), transpose_columns_.data(),
               transpose_values_.data(), x, out);
}

}  // namespace tabrl
