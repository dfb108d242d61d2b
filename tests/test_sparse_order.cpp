// The reverse Cuthill-McKee ordering and the envelope that decide the automatic choice's sparse
// fallback (core/sparse_lu.hpp): known graphs whose envelope is known.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include <tabrl/core/sparse_lu.hpp>

using namespace tabrl;

namespace {

// Adjacency lists (both directions) of an undirected graph on n vertices.
struct Graph {
  std::vector<int> offsets, adjacency;
};

Graph make_graph(int n, std::vector<std::pair<int, int>> edges) {
  const std::size_t count = edges.size();
  for (std::size_t k = 0; k < count; ++k) edges.emplace_back(edges[k].second, edges[k].first);
  std::sort(edges.begin(), edges.end());
  Graph graph;
  graph.offsets.assign(static_cast<std::size_t>(n) + 1, 0);
  for (const auto& [from, to] : edges) {
    ++graph.offsets[static_cast<std::size_t>(from) + 1];
    graph.adjacency.push_back(to);
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    graph.offsets[i + 1] += graph.offsets[i];
  }
  return graph;
}

bool is_permutation_of(const std::vector<int>& order, int n) {
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> expected(static_cast<std::size_t>(n));
  std::iota(expected.begin(), expected.end(), 0);
  return sorted == expected;
}

}  // namespace

TEST_CASE("a path numbered at random gets an envelope of one entry per row") {
  // The path visits the vertices in a scrambled order: 7 i mod 50 (7 and 50 coprime).
  const int n = 50;
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < n; ++i) edges.emplace_back(7 * i % n, 7 * (i + 1) % n);
  const Graph path = make_graph(n, edges);
  std::vector<int> natural(static_cast<std::size_t>(n));
  std::iota(natural.begin(), natural.end(), 0);
  CHECK(envelope_size(path.offsets, path.adjacency, natural).entries > n);  // badly numbered
  const std::vector<int> order = reverse_cuthill_mckee(path.offsets, path.adjacency);
  REQUIRE(is_permutation_of(order, n));
  const EnvelopeSize size = envelope_size(path.offsets, path.adjacency, order);
  CHECK(size.entries == n - 1);
  CHECK(size.multiply_adds == n - 1);
}

TEST_CASE("a complete graph fills its whole lower triangle") {
  const int n = 12;
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) edges.emplace_back(i, j);
  }
  const Graph complete = make_graph(n, edges);
  const std::vector<int> order = reverse_cuthill_mckee(complete.offsets, complete.adjacency);
  REQUIRE(is_permutation_of(order, n));
  const EnvelopeSize size = envelope_size(complete.offsets, complete.adjacency, order);
  CHECK(size.entries == n * (n - 1) / 2);
  double squares = 0.0;
  for (int width = 0; width < n; ++width) squares += width * width;
  CHECK(size.multiply_adds == squares);
}

TEST_CASE("a grid's envelope stays within its side, and components are ordered apart") {
  // A 20 x 30 grid numbered column by column (bandwidth 20 ... or 30 the other way) plus an
  // isolated vertex and a separate edge: three components.
  const int rows = 20, cols = 30, n = rows * cols + 3;
  std::vector<std::pair<int, int>> edges;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int vertex = c * rows + r;
      if (r + 1 < rows) edges.emplace_back(vertex, vertex + 1);
      if (c + 1 < cols) edges.emplace_back(vertex, vertex + rows);
    }
  }
  edges.emplace_back(n - 2, n - 1);
  const Graph grid = make_graph(n, edges);
  const std::vector<int> order = reverse_cuthill_mckee(grid.offsets, grid.adjacency);
  REQUIRE(is_permutation_of(order, n));
  const EnvelopeSize size = envelope_size(grid.offsets, grid.adjacency, order);
  // Level sets of a grid from a corner are anti-diagonals of at most min(rows, cols) vertices,
  // so each row of the envelope spans at most two of them.
  CHECK(size.entries <= (rows * cols) * 2.0 * rows);
  CHECK(size.entries >= rows * cols - 1);  // every grid vertex but the first has a neighbour
}
