#include "sparse_lu.hpp"

#include <algorithm>
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

EnvelopeSize envelope_size(const std::vector<int>& offsets, const std::vector<int>& adjacency,
                           const std::vector<int>& order) {
  std::vector<int> position(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) position[at(order[k])] = static_cast<int>(k);
  EnvelopeSize size;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const int vertex = order[k];
    int first = static_cast<int>(k);
    for (int e = offsets[at(vertex)]; e < offsets[at(vertex) + 1]; ++e) {
      first = std::min(first, position[at(adjacency[at(e)])]);
    }
    const double width = static_cast<double>(static_cast<int>(k) - first);
    size.entries += width;
    size.multiply_adds += width * width;
  }
  return size;
}

EnvelopeSize sparse_lu_envelope(const Mdp& mdp) {
  // The undirected graph of M + M^T without its diagonal: s -- s' for every transition s -> s'
  // of any action, without repeats.
  const Index num_states = mdp.num_states();
  const Index num_actions = mdp.num_actions();
  const TransitionMatrix& transitions = mdp.transitions();
  std::vector<std::pair<int, int>> edges;
  edges.reserve(at(2 * transitions.nonZeros()));
  for (Index s = 0; s < num_states; ++s) {
    for (Index a = 0; a < num_actions; ++a) {
      for (TransitionMatrix::InnerIterator it(transitions, mdp.transition_row(s, a)); it; ++it) {
        if (it.col() == s) continue;
        edges.emplace_back(static_cast<int>(s), static_cast<int>(it.col()));
        edges.emplace_back(static_cast<int>(it.col()), static_cast<int>(s));
      }
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  // Hubs (a start state every state can reset to, say) would widen every row's envelope; ordered
  // last instead, each costs a full row of L and column of U, and its updates.
  std::vector<Index> degrees(at(num_states), 0);
  for (const auto& edge : edges) ++degrees[at(edge.first)];
  const double average = static_cast<double>(edges.size()) / static_cast<double>(num_states);
  const double hub_degree = std::max(16.0, 8.0 * average);
  const auto is_hub = [&](int vertex) {
    return static_cast<double>(degrees[at(vertex)]) > hub_degree;
  };
  std::vector<int> offsets(at(num_states) + 1, 0), adjacency;
  adjacency.reserve(edges.size());
  for (const auto& [from, to] : edges) {
    if (is_hub(from) || is_hub(to)) continue;
    ++offsets[at(from) + 1];
    adjacency.push_back(to);
  }
  edges = {};
  for (std::size_t i = 0; i < at(num_states); ++i) offsets[i + 1] += offsets[i];
  EnvelopeSize size = envelope_size(offsets, adjacency, reverse_cuthill_mckee(offsets, adjacency));
  double hubs = 0.0;
  for (Index s = 0; s < num_states; ++s) hubs += is_hub(static_cast<int>(s)) ? 1.0 : 0.0;
  const double states = static_cast<double>(num_states);
  // A hub's row (and column) fills in across the envelope's columns, at the cost of a pass over
  // the envelope each; the hubs' own block is dense.
  size.multiply_adds += hubs * 2.0 * size.entries + states * hubs * hubs;
  size.entries += hubs * states;
  return size;
}

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
