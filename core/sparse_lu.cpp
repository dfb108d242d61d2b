#include "sparse_lu.hpp"

#include <Eigen/OrderingMethods>
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

namespace tabrl {
namespace {

std::size_t at(Index i) { return static_cast<std::size_t>(i); }

Index degree(const std::vector<int>& offsets, int vertex) {
  return offsets[at(vertex) + 1] - offsets[at(vertex)];
}

struct LevelStructure {
  std::size_t last_level = 0;  // where the farthest level starts in the search's output
  std::size_t levels = 0;
};

// Breadth first from `root` over the vertices not marked `mark` (it marks those it reaches);
// appends them to `out` level by level, the new neighbours of each vertex by increasing degree
// (ties to the lower index).
LevelStructure breadth_first(const std::vector<int>& offsets, const std::vector<int>& adjacency,
                             int root, std::vector<int>& marks, int mark, std::vector<int>& out) {
  const auto by_degree = [&](int a, int b) {
    const Index da = degree(offsets, a), db = degree(offsets, b);
    return da != db ? da < db : a < b;
  };
  LevelStructure structure;
  marks[at(root)] = mark;
  out.push_back(root);
  std::size_t level_begin = out.size() - 1;
  while (level_begin < out.size()) {
    structure.last_level = level_begin;
    ++structure.levels;
    const std::size_t level_end = out.size();
    for (std::size_t k = level_begin; k < level_end; ++k) {
      const int vertex = out[k];
      const std::size_t first_new = out.size();
      for (int e = offsets[at(vertex)]; e < offsets[at(vertex) + 1]; ++e) {
        const int next = adjacency[at(e)];
        if (marks[at(next)] == mark) continue;
        marks[at(next)] = mark;
        out.push_back(next);
      }
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end(), by_degree);
    }
    level_begin = level_end;
  }
  return structure;
}

}  // namespace

std::vector<int> reverse_cuthill_mckee(const std::vector<int>& offsets,
                                       const std::vector<int>& adjacency) {
  const std::size_t n = offsets.size() - 1;
  std::vector<int> order, component;
  order.reserve(n);
  // Each search marks what it reaches with a mark of its own; a component's vertices, once
  // placed, are reached by no later search (components are disjoint), only skipped as seeds.
  std::vector<int> marks(n, 0);
  std::vector<bool> placed(n, false);
  int mark = 0;
  for (std::size_t seed = 0; seed < n; ++seed) {
    if (placed[seed]) continue;
    // A pseudo-peripheral root (George and Liu): move to the lowest-degree vertex of the farthest
    // level while that deepens the level structure.
    int root = static_cast<int>(seed);
    std::size_t depth = 0;
    for (;;) {
      component.clear();
      const LevelStructure levels =
          breadth_first(offsets, adjacency, root, marks, ++mark, component);
      if (levels.levels <= depth) break;
      depth = levels.levels;
      int candidate = component[levels.last_level];
      for (std::size_t k = levels.last_level; k < component.size(); ++k) {
        if (degree(offsets, component[k]) < degree(offsets, candidate)) candidate = component[k];
      }
      if (candidate == root) break;
      root = candidate;
    }
    component.clear();
    breadth_first(offsets, adjacency, root, marks, ++mark, component);
    for (const int vertex : component) placed[at(vertex)] = true;
    order.insert(order.end(), component.begin(), component.end());
  }
  std::reverse(order.begin(), order.end());
  return order;
}

FillCount symbolic_fill(const std::vector<int>& offsets, const std::vector<int>& adjacency,
                        const std::vector<int>& order, double limit) {
  const std::size_t n = order.size();
  std::vector<int> position(n), parent(n, -1), visited(n, -1);
  std::vector<double> column_count(n, 0.0);
  for (std::size_t k = 0; k < n; ++k) position[at(order[k])] = static_cast<int>(k);
  FillCount fill;
  for (std::size_t k = 0; k < n; ++k) {
    // Row k of the factor: every column on the tree paths from row k's own entries up to k.
    const int row = static_cast<int>(k);
    visited[k] = row;
    const int vertex = order[k];
    for (int e = offsets[at(vertex)]; e < offsets[at(vertex) + 1]; ++e) {
      int column = position[at(adjacency[at(e)])];
      if (column > row) continue;
      while (visited[at(column)] != row) {
        visited[at(column)] = row;
        column_count[at(column)] += 1.0;
        fill.entries += 1.0;
        if (parent[at(column)] < 0) parent[at(column)] = row;
        column = parent[at(column)];
      }
    }
    if (fill.entries > limit) {
      fill.complete = false;
      break;
    }
  }
  for (const double count : column_count) fill.multiply_adds += count * count;
  return fill;
}

DirectedFillCount directed_fill(const std::vector<int>& offsets, const std::vector<int>& columns,
                                const std::vector<int>& order, double limit, double step_limit) {
  const std::size_t n = order.size();
  std::vector<int> position(n), marked(n, -1);
  for (std::size_t k = 0; k < n; ++k) position[at(order[k])] = static_cast<int>(k);
  std::vector<double> lower_count(n, 0.0);  // |L(:, j)|
  std::vector<std::size_t> upper_start{0};  // U(j, :) in upper_columns
  std::vector<int> upper_columns, reached_upper;
  std::vector<int> pending;  // a min-heap of the columns before the pivot
  DirectedFillCount fill;
  double steps = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const int row = static_cast<int>(k);
    reached_upper.clear();
    const auto reach = [&](int column) {
      if (column == row || marked[at(column)] == row) return;
      marked[at(column)] = row;
      if (column < row) {
        pending.push_back(column);
        std::push_heap(pending.begin(), pending.end(), std::greater<>());
      } else {
        reached_upper.push_back(column);
      }
    };
    const int vertex = order[k];
    for (int e = offsets[at(vertex)]; e < offsets[at(vertex) + 1]; ++e) {
      reach(position[at(columns[at(e)])]);
    }
    // Pivots in increasing order: U(j, :) only adds columns after j.
    while (!pending.empty()) {
      std::pop_heap(pending.begin(), pending.end(), std::greater<>());
      const int pivot = pending.back();
      pending.pop_back();
      lower_count[at(pivot)] += 1.0;
      fill.lower += 1.0;
      const std::size_t end = upper_start[at(pivot) + 1];
      for (std::size_t u = upper_start[at(pivot)]; u < end; ++u) reach(upper_columns[u]);
      steps += 1.0 + static_cast<double>(end - upper_start[at(pivot)]);
    }
    fill.upper += static_cast<double>(reached_upper.size());
    upper_columns.insert(upper_columns.end(), reached_upper.begin(), reached_upper.end());
    upper_start.push_back(upper_columns.size());
    steps += static_cast<double>(offsets[at(vertex) + 1] - offsets[at(vertex)]);
    if (fill.lower > limit || fill.upper > limit || steps > step_limit) {
      fill.complete = false;
      return fill;
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    fill.multiply_adds += lower_count[j] * static_cast<double>(upper_start[j + 1] - upper_start[j]);
  }
  return fill;
}

namespace {

// The undirected graph of a pattern without its diagonal, as adjacency lists without repeats,
// and its hubs.
struct SymmetricPattern {
  std::vector<int> offsets, adjacency;
  std::vector<bool> hub;  // degree above max(16, 8 x the average degree)
};

// for_each_entry(visit) calls visit(row, col) for every entry of the pattern (any order,
// repeats allowed); the graph has an edge row -- col for each off the diagonal. Two ints per
// entry at most, no global sort.
template <class ForEachEntry>
SymmetricPattern symmetric_pattern(Index size, ForEachEntry&& for_each_entry) {
  SymmetricPattern pattern;
  std::vector<Index> starts(at(size) + 1, 0);
  for_each_entry([&](Index row, Index col) {
    if (row == col) return;
    ++starts[at(row) + 1];
    ++starts[at(col) + 1];
  });
  for (std::size_t i = 0; i < at(size); ++i) starts[i + 1] += starts[i];
  std::vector<int> neighbours(at(starts.back()));
  {
    std::vector<Index> next(starts.begin(), starts.end() - 1);
    for_each_entry([&](Index row, Index col) {
      if (row == col) return;
      neighbours[at(next[at(row)]++)] = static_cast<int>(col);
      neighbours[at(next[at(col)]++)] = static_cast<int>(row);
    });
  }
  // Each list sorted without repeats, compacted in place.
  pattern.offsets.assign(at(size) + 1, 0);
  std::size_t kept = 0;
  for (std::size_t v = 0; v < at(size); ++v) {
    const auto begin = neighbours.begin() + static_cast<std::ptrdiff_t>(starts[v]);
    const auto end = neighbours.begin() + static_cast<std::ptrdiff_t>(starts[v + 1]);
    std::sort(begin, end);
    for (auto it = begin; it != end; ++it) {
      if (it == begin || *it != *(it - 1)) neighbours[kept++] = *it;
    }
    pattern.offsets[v + 1] = static_cast<int>(kept);
  }
  neighbours.resize(kept);
  neighbours.shrink_to_fit();
  pattern.adjacency = std::move(neighbours);
  const double average = static_cast<double>(kept) / static_cast<double>(std::max<Index>(size, 1));
  const double hub_degree = std::max(16.0, 8.0 * average);
  pattern.hub.resize(at(size));
  for (std::size_t v = 0; v < at(size); ++v) {
    pattern.hub[v] = static_cast<double>(pattern.offsets[v + 1] - pattern.offsets[v]) > hub_degree;
  }
  return pattern;
}

// The pattern without the hubs' edges (the hubs stay, isolated).
void drop_hub_edges(SymmetricPattern& pattern) {
  std::size_t kept = 0;
  int begin = 0;
  for (std::size_t v = 0; v + 1 < pattern.offsets.size(); ++v) {
    const int end = pattern.offsets[v + 1];
    for (int k = begin; k < end; ++k) {
      const int to = pattern.adjacency[at(k)];
      if (pattern.hub[v] || pattern.hub[at(to)]) continue;
      pattern.adjacency[kept++] = to;
    }
    begin = end;
    pattern.offsets[v + 1] = static_cast<int>(kept);
  }
  pattern.adjacency.resize(kept);
}

// Calls visit(s, s') for every transition entry of every action, state by state (the diagonal
// included): the pattern of M = I - gamma P_pi, for every policy at once.
template <class Visit>
void for_each_transition(const Mdp& mdp, Visit&& visit) {
  const TransitionMatrix& transitions = mdp.transitions();
  for (Index s = 0; s < mdp.num_states(); ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      for (TransitionMatrix::InnerIterator it(transitions, mdp.transition_row(s, a)); it; ++it) {
        visit(s, it.col());
      }
    }
  }
}

}  // namespace

SparseLuFill sparse_lu_fill(const Mdp& mdp, double limit, double work_limit) {
  const Index num_states = mdp.num_states();
  const SymmetricPattern pattern =
      symmetric_pattern(num_states, [&](auto&& visit) { for_each_transition(mdp, visit); });
  SparseLuFill result;
  {
    // The cheap order: reverse Cuthill-McKee of the graph without the hubs' edges, hubs last.
    SymmetricPattern without_hubs = pattern;
    drop_hub_edges(without_hubs);
    std::vector<int> order = reverse_cuthill_mckee(without_hubs.offsets, without_hubs.adjacency);
    without_hubs = {};
    std::stable_partition(order.begin(), order.end(), [&](int s) { return !pattern.hub[at(s)]; });
    result.fill = symbolic_fill(pattern.offsets, pattern.adjacency, order, limit);
  }
  if (!result.fill.complete &&
      static_cast<double>(pattern.adjacency.size()) > kOwnOrderPatternEntries) {
    result.own_order = false;
    return result;
  }
  // The sparse LU's own order, as its analysis computes it (kept for the SparseLu to come).
  result.analysis = std::make_unique<SparseLuAnalysis>(mdp);
  std::vector<int> order(at(num_states));
  // place[v]: where column v goes
  const auto& place = result.analysis->lu.colsPermutation().indices();
  for (Index v = 0; v < num_states; ++v) order[at(place[v])] = static_cast<int>(v);
  result.fill = symbolic_fill(pattern.offsets, pattern.adjacency, order, limit);
  if (result.fill.complete && result.fill.multiply_adds <= work_limit) return result;
  // Past the limits by the bound: count the directed pattern exactly (rows without repeats and
  // without the diagonal), within a budget of steps.
  std::vector<int> offsets(at(num_states) + 1, 0), columns, seen(at(num_states), -1);
  for_each_transition(mdp, [&](Index s, Index next) {
    if (next != s && seen[at(next)] != static_cast<int>(s)) {
      seen[at(next)] = static_cast<int>(s);
      columns.push_back(static_cast<int>(next));
    }
    offsets[at(s) + 1] = static_cast<int>(columns.size());
  });
  const DirectedFillCount exact = directed_fill(offsets, columns, order, limit, kExactCountSteps);
  if (exact.complete) result.exact = exact;
  return result;
}

void HubsLastColamdOrdering::operator()(const Eigen::SparseMatrix<double>& matrix,
                                        PermutationType& permutation) const {
  const Index size = matrix.cols();
  const SymmetricPattern pattern = symmetric_pattern(size, [&](auto&& visit) {
    for (Index col = 0; col < size; ++col) {
      for (Eigen::SparseMatrix<double>::InnerIterator it(matrix, col); it; ++it) {
        visit(it.row(), col);
      }
    }
  });
  // number[v]: v's place among the states that are not hubs (-1 for a hub).
  std::vector<int> number(at(size), -1);
  int others = 0;
  for (std::size_t v = 0; v < at(size); ++v) {
    if (!pattern.hub[v]) number[v] = others++;
  }
  permutation.resize(size);
  // COLAMD on the columns and rows of the states that are not hubs (values are not read).
  std::vector<Eigen::Triplet<double, int>> entries;
  entries.reserve(at(matrix.nonZeros()));
  for (Index col = 0; col < size; ++col) {
    if (pattern.hub[at(col)]) continue;
    for (Eigen::SparseMatrix<double>::InnerIterator it(matrix, col); it; ++it) {
      if (!pattern.hub[at(it.row())]) {
        entries.emplace_back(number[at(it.row())], number[at(col)], 1.0);
      }
    }
  }
  Eigen::SparseMatrix<double> rest(others, others);
  rest.setFromTriplets(entries.begin(), entries.end());
  rest.makeCompressed();
  entries = {};
  PermutationType rest_order;
  if (others > 0) Eigen::COLAMDOrdering<int>()(rest, rest_order);
  // Eigen's convention: indices()[v] is the place of column v.
  int next_hub = others;
  for (std::size_t v = 0; v < at(size); ++v) {
    permutation.indices()[static_cast<Index>(v)] =
        pattern.hub[v] ? next_hub++ : rest_order.indices()[number[v]];
  }
}

SparseLuAnalysis::SparseLuAnalysis(const Mdp& mdp) : system(mdp) {
  // Diagonal pivots: M is diagonally dominant by rows, so elimination without row exchanges is
  // stable (growth <= 2), and row exchanges (Eigen's default threshold 1) let a deterministic or
  // mixed policy's factors leave the planned fill: 27 s against 0.22 s, measured.
  lu.setPivotThreshold(0.0);
  lu.analyzePattern(system.matrix());
}

SparseLu::SparseLu(const Mdp& mdp, std::unique_ptr<SparseLuAnalysis> analysis)
    : analysis_(analysis != nullptr ? std::move(analysis)
                                    : std::make_unique<SparseLuAnalysis>(mdp)) {
  if (analysis_->system.matrix().rows() != mdp.num_states()) {
    throw std::logic_error("SparseLu: the analysis given is of another MDP");
  }
}

void SparseLu::prepare(const StateActionMatrix& policy) {
  analysis_->system.fill(policy);
  analysis_->lu.factorize(analysis_->system.matrix());
  if (analysis_->lu.info() != Eigen::Success) {
    throw std::runtime_error("sparse LU factorisation of I - gamma P_pi failed: " +
                             analysis_->lu.lastErrorMessage());
  }
}

void SparseLu::solve_value(const Vector& value_rhs, Vector& v) {
  v = analysis_->lu.solve(value_rhs);
}

void SparseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) {
  v = analysis_->lu.solve(value_rhs);
  if (x != nullptr) *x = analysis_->lu.transpose().solve(visitation_rhs);
}

}  // namespace tabrl
