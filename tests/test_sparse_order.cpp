// The reverse Cuthill-McKee ordering and the envelope that decide the automatic choice's sparse
// fallback (core/sparse_lu.hpp): known graphs whose envelope is known.
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
  // The path visits the vertices in a scrambled order, 7 i + 13 mod 50 (7 and 50 coprime), so
  // that vertex 0, the first seed, lies inside it: a search from there, without moving to a
  // pseudo-peripheral vertex, would give rows two entries wide.
  const int n = 50;
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < n; ++i) edges.emplace_back((7 * i + 13) % n, (7 * (i + 1) + 13) % n);
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

TEST_CASE("a star is ordered centre last: the reversal of Cuthill-McKee") {
  // From a leaf, Cuthill-McKee places the centre second and every later leaf reaches back to
  // it (widths 1, 2, ..., n - 2); reversed, the leaves come first and only the centre and the
  // first leaf reach back.
  const int n = 11;
  std::vector<std::pair<int, int>> edges;
  for (int leaf = 1; leaf < n; ++leaf) edges.emplace_back(0, leaf);
  const Graph star = make_graph(n, edges);
  const std::vector<int> order = reverse_cuthill_mckee(star.offsets, star.adjacency);
  REQUIRE(is_permutation_of(order, n));
  CHECK(order[static_cast<std::size_t>(n - 2)] == 0);
  CHECK(envelope_size(star.offsets, star.adjacency, order).entries == n - 1);
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
  // set aside. With it last the factors stay within the envelope estimate (below and above the
  // diagonal, plus the diagonal), and COLAMD alone fills in several times more (and took 50 times
  // the time on a 200 x 200 grid: docs/engine.md).
  const Mdp mdp = hub_grid(40, 40);
  const EnvelopeSize envelope = sparse_lu_envelope(mdp);
  CHECK(envelope.entries >= static_cast<double>(mdp.num_states()));  // the hub's row counted
  CHECK(envelope.entries < 60.0 * static_cast<double>(mdp.num_states()));

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
  const double bound = 2.0 * envelope.entries + static_cast<double>(mdp.num_states());
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

TEST_CASE("deterministic and mixed policies keep the sparse LU's factors within the envelope") {
  // The envelope holds for every policy (its pattern is every action's): a deterministic policy
  // (each state one action, the hub's the spreading one), and one mixing deterministic states
  // with states of full support, where the factors' pattern changes from state to state.
  const Mdp mdp = hub_grid(40, 40);
  const Index n = mdp.num_states();
  const double bound = 2.0 * sparse_lu_envelope(mdp).entries + static_cast<double>(n);
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
