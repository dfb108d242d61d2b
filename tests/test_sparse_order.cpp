// The reverse Cuthill-McKee ordering and the count of fill that decide the automatic choice's
// sparse fallback (core/sparse_lu.hpp): known graphs whose fill is known, a brute-force
// elimination, and the sparse LU's own factors.
#include <doctest/doctest.h>

#include <Eigen/SparseLU>
#include <algorithm>
#include <numeric>
#include <utility>
#include <vector>

#include <tabrl/core/random.hpp>
#include <tabrl/core/sparse_lu.hpp>
#include <tabrl/core/sparse_system.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/transitions.hpp>

#include "helpers.hpp"

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

// Directed adjacency lists (row r's columns) of a pattern without its diagonal.
struct Directed {
  std::vector<int> offsets, columns;
};

// L's and U's entries and the multiply-adds of an elimination in `order`, by brute force on a
// boolean matrix: eliminating pivot p puts (i, j) for every later row i with (i, p) and every
// later column j with (p, j).
DirectedFillCount brute_force_directed(const Directed& graph, const std::vector<int>& order) {
  const std::size_t n = order.size();
  std::vector<std::vector<bool>> entry(n, std::vector<bool>(n, false));
  for (std::size_t r = 0; r < n; ++r) {
    for (int e = graph.offsets[r]; e < graph.offsets[r + 1]; ++e) {
      entry[r][static_cast<std::size_t>(graph.columns[static_cast<std::size_t>(e)])] = true;
    }
  }
  DirectedFillCount fill;
  std::vector<bool> done(n, false);
  for (const int pivot : order) {
    const auto p = static_cast<std::size_t>(pivot);
    done[p] = true;
    std::vector<std::size_t> rows, columns;
    for (std::size_t v = 0; v < n; ++v) {
      if (done[v]) continue;
      if (entry[v][p]) rows.push_back(v);
      if (entry[p][v]) columns.push_back(v);
    }
    for (const std::size_t i : rows) {
      for (const std::size_t j : columns) {
        if (i != j) entry[i][j] = true;
      }
    }
    fill.lower += static_cast<double>(rows.size());
    fill.upper += static_cast<double>(columns.size());
    fill.multiply_adds += static_cast<double>(rows.size() * columns.size());
  }
  return fill;
}

// The fill of an elimination in `order` of a symmetric pattern, by the brute force above: each
// pivot's remaining neighbours become a clique, and its rows and columns are the same.
FillCount brute_force_fill(const Graph& graph, const std::vector<int>& order) {
  const DirectedFillCount both = brute_force_directed({graph.offsets, graph.adjacency}, order);
  FillCount fill;
  fill.entries = both.lower;
  fill.multiply_adds = both.multiply_adds;
  return fill;
}

constexpr double kNoLimit = 1e300;

std::vector<int> natural_order(int n) {
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

// A tree (n vertices, n - 1 edges) in reverse Cuthill-McKee order: eliminated deepest level
// first, each vertex has one neighbour left, its parent, so nothing fills in.
void check_tree_fills_nothing(const Graph& tree, int n) {
  const std::vector<int> order = reverse_cuthill_mckee(tree.offsets, tree.adjacency);
  REQUIRE(is_permutation_of(order, n));
  const FillCount fill = symbolic_fill(tree.offsets, tree.adjacency, order, kNoLimit);
  CHECK(fill.entries == n - 1);
  CHECK(fill.multiply_adds == n - 1);
}

}  // namespace

TEST_CASE("the count of fill equals a brute-force elimination, and stops at its limit") {
  Random random(3);
  for (int trial = 0; trial < 20; ++trial) {
    CAPTURE(trial);
    const int n = 5 + static_cast<int>(random.index(40));
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        if (random.uniform() < 0.08) edges.emplace_back(i, j);
      }
    }
    const Graph graph = make_graph(n, edges);
    std::vector<int> order = natural_order(n);
    for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[random.index(k)]);
    const FillCount expected = brute_force_fill(graph, order);
    const FillCount counted = symbolic_fill(graph.offsets, graph.adjacency, order, kNoLimit);
    CHECK(counted.complete);
    CHECK(counted.entries == expected.entries);
    CHECK(counted.multiply_adds == expected.multiply_adds);
    if (expected.entries >= 2.0) {
      const FillCount cut =
          symbolic_fill(graph.offsets, graph.adjacency, order, expected.entries - 1.0);
      CHECK(!cut.complete);
      CHECK(cut.entries > expected.entries - 1.0);
    }
  }
}

TEST_CASE("the exact directed count equals a brute-force elimination, below the symmetric bound") {
  Random random(17);
  for (int trial = 0; trial < 30; ++trial) {
    CAPTURE(trial);
    const int n = 3 + static_cast<int>(random.index(40));
    const bool symmetric = trial % 3 == 0;
    std::vector<std::vector<bool>> linked(static_cast<std::size_t>(n),
                                          std::vector<bool>(static_cast<std::size_t>(n)));
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (i == j || random.uniform() >= 0.06) continue;
        linked[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = true;
        if (symmetric) linked[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] = true;
      }
    }
    Directed graph;
    graph.offsets.push_back(0);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (!linked[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]) continue;
        graph.columns.push_back(j);
        if (i < j || !linked[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)]) {
          edges.emplace_back(i, j);
        }
      }
      graph.offsets.push_back(static_cast<int>(graph.columns.size()));
    }
    std::vector<int> order = natural_order(n);
    for (std::size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[random.index(k)]);
    const DirectedFillCount expected = brute_force_directed(graph, order);
    const DirectedFillCount counted =
        directed_fill(graph.offsets, graph.columns, order, kNoLimit, kNoLimit);
    CHECK(counted.complete);
    CHECK(counted.lower == expected.lower);
    CHECK(counted.upper == expected.upper);
    CHECK(counted.multiply_adds == expected.multiply_adds);
    // The symmetric bound holds each factor, and is each factor where the pattern is symmetric.
    const Graph both = make_graph(n, edges);
    const FillCount bound = symbolic_fill(both.offsets, both.adjacency, order, kNoLimit);
    CHECK(counted.lower <= bound.entries);
    CHECK(counted.upper <= bound.entries);
    if (symmetric) CHECK(counted.lower == bound.entries);
    if (expected.lower + expected.upper >= 4.0) {
      CHECK(!directed_fill(graph.offsets, graph.columns, order, kNoLimit, 1.0).complete);
    }
  }
}

TEST_CASE("a path numbered at random fills nothing in reverse Cuthill-McKee order") {
  // The path visits the vertices in a scrambled order, 7 i + 13 mod 50 (7 and 50 coprime), so
  // that vertex 0, the first seed, lies inside it: a search from there, without moving to a
  // pseudo-peripheral vertex, would eliminate an inner vertex first and join its two neighbours.
  const int n = 50;
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < n; ++i) edges.emplace_back((7 * i + 13) % n, (7 * (i + 1) + 13) % n);
  const Graph path = make_graph(n, edges);
  CHECK(symbolic_fill(path.offsets, path.adjacency, natural_order(n), kNoLimit).entries >
        n - 1);  // badly numbered
  check_tree_fills_nothing(path, n);
}

TEST_CASE("a star is ordered centre last: the reversal of Cuthill-McKee") {
  // From a leaf, Cuthill-McKee places the centre second; reversed, the leaves come first, and
  // nothing fills in. The centre first would join all the leaves.
  const int n = 11;
  std::vector<std::pair<int, int>> edges;
  for (int leaf = 1; leaf < n; ++leaf) edges.emplace_back(0, leaf);
  const Graph star = make_graph(n, edges);
  const std::vector<int> order = reverse_cuthill_mckee(star.offsets, star.adjacency);
  REQUIRE(is_permutation_of(order, n));
  CHECK(order[static_cast<std::size_t>(n - 2)] == 0);
  CHECK(symbolic_fill(star.offsets, star.adjacency, order, kNoLimit).entries == n - 1);
  CHECK(symbolic_fill(star.offsets, star.adjacency, natural_order(n), kNoLimit).entries ==
        n * (n - 1) / 2);
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
  const FillCount fill = symbolic_fill(complete.offsets, complete.adjacency, order, kNoLimit);
  CHECK(fill.entries == n * (n - 1) / 2);
  double squares = 0.0;
  for (int width = 0; width < n; ++width) squares += width * width;
  CHECK(fill.multiply_adds == squares);
}

TEST_CASE("a binary tree fills nothing in reverse Cuthill-McKee order") {
  // Its breadth-first levels are wide (an envelope of about n^2 / 8 entries), but nothing fills
  // in.
  const int n = 1023;
  std::vector<std::pair<int, int>> edges;
  for (int child = 1; child < n; ++child) edges.emplace_back(child, (child - 1) / 2);
  check_tree_fills_nothing(make_graph(n, edges), n);
}

TEST_CASE("a grid's fill stays within its side, and components are ordered apart") {
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
  const FillCount fill = symbolic_fill(grid.offsets, grid.adjacency, order, kNoLimit);
  // Level sets of a grid from a corner are anti-diagonals of at most min(rows, cols) vertices,
  // and an elimination in that order fills only within two consecutive levels.
  CHECK(fill.entries <= (rows * cols) * 2.0 * rows);
  CHECK(fill.entries >= rows * cols);  // every grid vertex but the first, and the separate edge
}

namespace {

// A side x side grid of 4 moves, plus a fifth action that stays, except at one state whose fifth
// action spreads over `spread_percent` of all states: a row dense but short of half the states.
Mdp hub_grid(int side, int spread_percent) {
  const Index states = Index{side} * side;
  const Index hub = states / 3;
  Random random(5);
  std::vector<TransitionEntry> entries;
  for (Index s = 0; s < states; ++s) {
    const Index row = s / side, col = s % side;
    entries.push_back({s, 0, row > 0 ? s - side : s, 1.0});
    entries.push_back({s, 1, row + 1 < side ? s + side : s, 1.0});
    entries.push_back({s, 2, col > 0 ? s - 1 : s, 1.0});
    entries.push_back({s, 3, col + 1 < side ? s + 1 : s, 1.0});
    if (s != hub) {
      entries.push_back({s, 4, s, 1.0});
      continue;
    }
    std::vector<Index> targets;
    for (Index t = 0; t < states; ++t) {
      if (random.index(100) < static_cast<std::uint64_t>(spread_percent)) targets.push_back(t);
    }
    for (const Index t : targets) {
      entries.push_back({s, 4, t, 1.0 / static_cast<double>(targets.size())});
    }
  }
  StateActionMatrix rewards(states, 5);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < 5; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = 5,
              .gamma = 0.99,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, 5, entries)});
}

// Eigen's SparseLU in its own order (COLAMD alone) on M for `policy`.
struct ColamdLu {
  ColamdLu(const Mdp& mdp, const StateActionMatrix& policy) : system(mdp) {
    lu.setPivotThreshold(0.0);  // diagonal pivots, as tabrl's sparse LU
    system.fill(policy);
    lu.analyzePattern(system.matrix());
    lu.factorize(system.matrix());
  }
  SparsePolicySystem system;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
};

}  // namespace

TEST_CASE("the sparse LU orders hubs last: a fraction of COLAMD's fill, the same solutions") {
  // The spreading state's row is dense but short of half the states, which COLAMD alone does not
  // set aside. With it last the factors hold what the count of fill says (below and above the
  // diagonal, and the diagonal in each), and COLAMD alone fills in several times more (and took
  // 50 times the time on a 200 x 200 grid: docs/engine.md).
  const Mdp mdp = hub_grid(40, 40);
  const SparseLuFill counted = sparse_lu_fill(mdp, kNoLimit, kNoLimit);
  REQUIRE(counted.fill.complete);
  CHECK(counted.own_order);
  CHECK(counted.fill.entries >= static_cast<double>(mdp.num_states()));  // the hub's row
  CHECK(counted.fill.entries < 60.0 * static_cast<double>(mdp.num_states()));

  Random random(8);
  StateActionMatrix policy(mdp.num_states(), mdp.num_actions());
  for (Index s = 0; s < mdp.num_states(); ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) policy(s, a) = 0.1 + random.uniform();
    policy.row(s) /= policy.row(s).sum();
  }
  SparseLu hubs_last(mdp);
  hubs_last.prepare(policy);
  ColamdLu reference(mdp, policy);
  auto& colamd = reference.lu;
  REQUIRE(colamd.info() == Eigen::Success);
  const double bound = 2.0 * (counted.fill.entries + static_cast<double>(mdp.num_states()));
  CHECK(static_cast<double>(hubs_last.factor_nonzeros()) <= bound);
  CHECK(static_cast<double>(colamd.nnzL() + colamd.nnzU()) > 2.0 * bound);

  Vector rhs(mdp.num_states());
  for (Index s = 0; s < mdp.num_states(); ++s) rhs[s] = random.uniform();
  Vector v, x;
  hubs_last.solve(rhs, v, mdp.rho(), &x);
  const Vector v_colamd = colamd.solve(rhs);
  const Vector x_colamd = colamd.transpose().solve(mdp.rho());
  CHECK((v - v_colamd).cwiseAbs().maxCoeff() <= 1e-12 * v_colamd.cwiseAbs().maxCoeff());
  CHECK((x - x_colamd).cwiseAbs().maxCoeff() <= 1e-12 * x_colamd.cwiseAbs().maxCoeff());
}

TEST_CASE("deterministic and mixed policies keep the sparse LU's factors within the count") {
  // The count holds for every policy (its pattern is every action's): a deterministic policy
  // (each state one action, the hub's the spreading one), and one mixing deterministic states
  // with states of full support, where the factors' pattern changes from state to state.
  const Mdp mdp = hub_grid(40, 40);
  const Index n = mdp.num_states();
  const double bound =
      2.0 * (sparse_lu_fill(mdp, kNoLimit, kNoLimit).fill.entries + static_cast<double>(n));
  Random random(11);
  StateActionMatrix deterministic = StateActionMatrix::Zero(n, mdp.num_actions());
  StateActionMatrix mixed = StateActionMatrix::Zero(n, mdp.num_actions());
  for (Index s = 0; s < n; ++s) {
    deterministic(s, static_cast<Index>(random.index(5))) = 1.0;
    if (random.uniform() < 0.5) {
      mixed(s, static_cast<Index>(random.index(5))) = 1.0;
    } else {
      mixed.row(s).setConstant(0.2);
    }
  }
  const Index hub = n / 3;  // hub_grid's spreading state: its policy row spreads
  deterministic.row(hub).setZero();
  deterministic(hub, 4) = 1.0;
  for (const StateActionMatrix* policy : {&deterministic, &mixed}) {
    SparseLu lu(mdp);
    lu.prepare(*policy);
    CHECK(static_cast<double>(lu.factor_nonzeros()) <= bound);
    ColamdLu reference(mdp, *policy);
    Vector v;
    lu.solve_value(mdp.rewards().col(0), v);
    const Vector v_reference = reference.lu.solve(Vector(mdp.rewards().col(0)));
    CHECK((v - v_reference).cwiseAbs().maxCoeff() <= 1e-12 * v_reference.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("without hubs, the sparse LU's order is COLAMD's own, bit for bit") {
  const Mdp mdp = make_garnet(300, 3, 4, 2);
  StateActionMatrix policy = StateActionMatrix::Constant(300, 3, 1.0 / 3.0);
  SparseLu hubs_last(mdp);
  hubs_last.prepare(policy);
  ColamdLu reference(mdp, policy);
  auto& colamd = reference.lu;
  Vector v;
  hubs_last.solve_value(mdp.rewards().col(0), v);
  const Vector v_colamd = colamd.solve(Vector(mdp.rewards().col(0)));
  CHECK((v.array() == v_colamd.array()).all());
}

TEST_CASE("where transitions go one way the exact count is the sparse LU's own factors") {
  // Many states jump into a few checkpoints: the bound from M + M^T fills in across the
  // checkpoints' rows and columns, the LU's factors do not. A work limit of 0 asks for the exact
  // count.
  const Mdp mdp = tabrl::testing::checkpoint_cycle_mdp(20000, 300, 0.99);
  const Index n = mdp.num_states();
  const SparseLuFill counted = sparse_lu_fill(mdp, kNoLimit, 0.0);
  REQUIRE(counted.exact);
  const DirectedFillCount& exact = *counted.exact;
  CHECK(exact.lower + exact.upper < 0.05 * counted.fill.entries);  // far below the bound
  StateActionMatrix uniform = StateActionMatrix::Constant(n, 2, 0.5);
  SparseLu lu(mdp);
  lu.prepare(uniform);
  // Eigen stores the structure the count gives (both diagonals included), and a few padded
  // entries where its supernodes store column segments densely (0.1% here).
  const double structure = exact.lower + exact.upper + 2.0 * static_cast<double>(n);
  CHECK(static_cast<double>(lu.factor_nonzeros()) >= structure);
  CHECK(static_cast<double>(lu.factor_nonzeros()) <= 1.01 * structure);
}
