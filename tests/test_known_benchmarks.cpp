// The benchmarks users know from other toolkits, by name: pymdptoolbox's forest management
// example and Gymnasium's CliffWalking, against published values, hand computations and an
// independent value iteration.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/registry.hpp>

using namespace tabrl;

namespace {

// Forest management as pymdptoolbox writes it (mdptoolbox.example.forest): P[a][s][s'] with
// a 0 = wait, 1 = cut, and R[s][a], built here from that definition and nothing of tabrl.
struct ForestArrays {
  std::vector<std::vector<std::vector<double>>> P;
  std::vector<std::vector<double>> R;
};

ForestArrays forest_arrays(int S, double r1, double r2, double p) {
  ForestArrays f;
  f.P.assign(2, std::vector<std::vector<double>>(S, std::vector<double>(S, 0.0)));
  for (int s = 0; s + 1 < S; ++s) f.P[0][s][s + 1] = 1.0 - p;  // the superdiagonal
  for (int s = 0; s < S; ++s) f.P[0][s][0] = p;                // the fire column
  f.P[0][S - 1][S - 1] = 1.0 - p;
  for (int s = 0; s < S; ++s) f.P[1][s][0] = 1.0;
  f.R.assign(S, std::vector<double>(2, 0.0));
  f.R[S - 1][0] = r1;
  for (int s = 0; s < S; ++s) f.R[s][1] = 1.0;
  f.R[0][1] = 0.0;
  f.R[S - 1][1] = r2;
  return f;
}

// Plain value iteration on the arrays, run to its fixed point in double precision.
std::vector<double> value_iteration(const ForestArrays& f, double gamma) {
  const std::size_t S = f.R.size();
  std::vector<double> v(S, 0.0);
  for (int sweep = 0; sweep < 100000; ++sweep) {
    std::vector<double> next(S);
    double change = 0.0;
    for (std::size_t s = 0; s < S; ++s) {
      double best = -INFINITY;
      for (std::size_t a = 0; a < 2; ++a) {
        double q = f.R[s][a];
        for (std::size_t t = 0; t < S; ++t) q += gamma * f.P[a][s][t] * v[t];
        best = std::max(best, q);
      }
      next[s] = best;
      change = std::max(change, std::abs(best - v[s]));
    }
    v = next;
    if (change < 1e-14) break;
  }
  return v;
}

double probability(const Mdp& mdp, Index s, Index a, Index next) {
  return mdp.transitions().coeff(mdp.transition_row(s, a), next);
}

}  // namespace

TEST_CASE("forest: pymdptoolbox's published V* at gamma 0.9, policy wait everywhere") {
  const Mdp forest = load_mdp("forest");
  CHECK(forest.num_states() == 3);
  CHECK(forest.num_actions() == 2);
  CHECK(forest.gamma() == 0.9);
  const OptimalSolution optimal = solve_optimal(forest);
  // Published to three decimals: (26.244, 29.484, 33.484).
  const double published[3] = {26.244, 29.484, 33.484};
  for (Index s = 0; s < 3; ++s) {
    CAPTURE(s);
    CHECK(std::abs(optimal.v[s] - published[s]) < 5e-4);
    CHECK(optimal.policy[static_cast<std::size_t>(s)] == 0);  // wait
  }
  // And against value iteration on the arrays built from pymdptoolbox's definition.
  const std::vector<double> reference = value_iteration(forest_arrays(3, 4, 2, 0.1), 0.9);
  for (Index s = 0; s < 3; ++s) CHECK(optimal.v[s] == doctest::Approx(reference[s]).epsilon(1e-12));
  // rho is uniform (tabrl's choice; pymdptoolbox has none).
  for (Index s = 0; s < 3; ++s) CHECK(forest.rho()[s] == doctest::Approx(1.0 / 3.0));
}

TEST_CASE("forest: every parameter, against pymdptoolbox's arrays and value iteration") {
  struct Case {
    int S;
    double r1, r2, p, gamma;
  };
  for (const Case& c : {Case{2, 4, 2, 0.1, 0.9}, Case{5, 1, 7, 0.3, 0.95}, Case{7, 10, 3, 0, 0.8},
                        Case{4, 2, 5, 1, 0.5}}) {
    CAPTURE(c.S);
    CAPTURE(c.p);
    const Mdp forest =
        load_mdp("forest(states=" + std::to_string(c.S) + ",r1=" + std::to_string(c.r1) +
                 ",r2=" + std::to_string(c.r2) + ",p=" + std::to_string(c.p) +
                 ",gamma=" + std::to_string(c.gamma) + ")");
    const ForestArrays arrays = forest_arrays(c.S, c.r1, c.r2, c.p);
    REQUIRE(forest.num_states() == c.S);
    for (Index s = 0; s < c.S; ++s) {
      for (Index a = 0; a < 2; ++a) {
        CHECK(forest.rewards()(s, a) ==
              arrays.R[static_cast<std::size_t>(s)][static_cast<std::size_t>(a)]);
        for (Index t = 0; t < c.S; ++t) {
          CHECK(probability(forest, s, a, t) ==
                doctest::Approx(arrays.P[static_cast<std::size_t>(a)][static_cast<std::size_t>(s)]
                                        [static_cast<std::size_t>(t)])
                    .epsilon(1e-15));
        }
      }
    }
    const OptimalSolution optimal = solve_optimal(forest);
    const std::vector<double> reference = value_iteration(arrays, c.gamma);
    for (Index s = 0; s < c.S; ++s) {
      CHECK(optimal.v[s] == doctest::Approx(reference[static_cast<std::size_t>(s)]).epsilon(1e-11));
    }
  }
}

TEST_CASE("forest: bad parameters name the field") {
  CHECK_THROWS_WITH_AS(load_mdp("forest(states=1)"), "forest.states: must be >= 2, got 1",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("forest(p=1.5)"), "forest.p: must be in [0, 1], got 1.5",
                       InputError);
  // The spec grammar has no nan or inf; the generator refuses them all the same.
  CHECK_THROWS_WITH_AS(load_mdp("forest(p=nan)"), "forest.p: expected a number, got 'nan'",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("forest(p=1e-400)"),
                       "forest.p: expected a number, got '1e-400' (beyond the range of a double)",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("chain(gamma=+1e400)"),
                       "chain.gamma: expected a number, got '+1e400'", InputError);
  CHECK_THROWS_WITH_AS(
      load_mdp("bandit(means=[1, 1e400])"),
      "bandit.means: expected a number, got '1e400' (beyond the range of a double)", InputError);
  CHECK_THROWS_WITH_AS(make_forest(3, 4, 2, std::nan("")), "p: must be in [0, 1], got nan",
                       InputError);
  CHECK_THROWS_WITH_AS(make_forest(3, INFINITY, 2, 0.1), "r1: must be finite, got inf", InputError);
  CHECK_THROWS_WITH_AS(make_forest(3, 4, -INFINITY, 0.1), "r2: must be finite, got -inf",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("forest(r3=1)"), doctest::Contains("unknown parameter"),
                       InputError);
}

TEST_CASE("cliff_walking: Gymnasium's layout, moves and rewards") {
  const Mdp cliff = load_mdp("cliff_walking");
  REQUIRE(cliff.num_states() == 48);
  REQUIRE(cliff.num_actions() == 4);
  CHECK(cliff.gamma() == 0.9);
  CHECK(cliff.rho()[36] == 1.0);
  CHECK(cliff.rho().sum() == 1.0);
  const Index up = 0, right = 1, down = 2, left = 3;
  // From the start: right is the cliff (-100, back to the start), up leaves, left and down stay.
  CHECK(probability(cliff, 36, right, 36) == 1.0);
  CHECK(cliff.rewards()(36, right) == -100.0);
  CHECK(probability(cliff, 36, up, 24) == 1.0);
  CHECK(cliff.rewards()(36, up) == -1.0);
  CHECK(probability(cliff, 36, left, 36) == 1.0);
  CHECK(cliff.rewards()(36, left) == -1.0);
  CHECK(probability(cliff, 36, down, 36) == 1.0);
  // Stepping down from above the cliff falls; from above the goal, enters it for -1.
  CHECK(probability(cliff, 30, down, 36) == 1.0);
  CHECK(cliff.rewards()(30, down) == -100.0);
  CHECK(probability(cliff, 35, down, 47) == 1.0);
  CHECK(cliff.rewards()(35, down) == -1.0);
  CHECK(probability(cliff, 0, up, 0) == 1.0);
  CHECK(probability(cliff, 11, right, 11) == 1.0);
  CHECK(probability(cliff, 5, left, 4) == 1.0);
  // The goal absorbs with reward 0.
  for (Index a = 0; a < 4; ++a) {
    CHECK(probability(cliff, 47, a, 47) == 1.0);
    CHECK(cliff.rewards()(47, a) == 0.0);
  }
}

TEST_CASE("cliff_walking: V* is minus the discounted length of the shortest safe path") {
  for (const double gamma : {0.9, 0.99}) {
    CAPTURE(gamma);
    const Mdp cliff = load_mdp("cliff_walking(gamma=" + std::to_string(gamma) + ")");
    const OptimalSolution optimal = solve_optimal(cliff);
    // Steps to the goal by hand: from row r <= 2, right along the row then down; from the start,
    // one step up first; from a cliff cell (reached only as a start), up and then along row 2,
    // except from the last one, next to the goal.
    const auto steps = [](int row, int column) {
      if (row <= 2) return (3 - row) + (11 - column);
      if (column == 0) return 13;
      if (column == 10) return 1;
      return 13 - column;
    };
    for (int row = 0; row < 4; ++row) {
      for (int column = 0; column < 12; ++column) {
        const Index s = row * 12 + column;
        if (s == 47) {
          CHECK(optimal.v[s] == 0.0);
          continue;
        }
        CAPTURE(s);
        const double expected = -(1.0 - std::pow(gamma, steps(row, column))) / (1.0 - gamma);
        CHECK(optimal.v[s] == doctest::Approx(expected).epsilon(1e-12));
      }
    }
    // The start's optimal first step is up, and J* = V*(36): 13 steps.
    CHECK(optimal.policy[36] == 0);
    CHECK(optimal.objective == doctest::Approx(-(1.0 - std::pow(gamma, 13)) / (1.0 - gamma)));
  }
}
