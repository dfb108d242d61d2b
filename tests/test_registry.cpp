// Built-in MDP specs name(key=value,...) and the Garnet generator.
#include <doctest/doctest.h>

#include <new>
#include <stdexcept>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/registry.hpp>

using namespace tabrl;

TEST_CASE("specs build the named MDP with typed parameters") {
  const Mdp bandit = load_mdp("bandit(means=[0.2, 0.5,0.9])");
  CHECK(bandit.num_states() == 1);
  CHECK(bandit.num_actions() == 3);
  CHECK(bandit.rewards()(0, 2) == 0.9);
  CHECK(load_mdp("cliff_world").num_states() == 21);
  CHECK(load_mdp("cliff_world(gamma=0.5)").gamma() == 0.5);
  CHECK(load_mdp("deep_sea_treasure(size=7)").num_states() == 49);
  CHECK(load_mdp(" five_by_five ").num_actions() == 5);
  const Mdp garnet = load_mdp("garnet(states=30,actions=4,branching=3,seed=9)");
  CHECK(garnet.transitions().nonZeros() == 30 * 4 * 3);
}

TEST_CASE("bad specs name the parameter and the reason") {
  CHECK_THROWS_WITH_AS(load_mdp("cliff_wrld"), doctest::Contains("unknown MDP 'cliff_wrld'"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gama=0.5)"),
                       "cliff_world.gama: unknown parameter of cliff_world 'gama'; did you mean "
                       "'gamma'? (known: gamma)",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gamma=high)"),
                       "cliff_world.gamma: expected a number, got 'high'", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gamma=1.5)"),
                       "cliff_world.gamma: must be in [0, 1), got 1.5", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("bandit"), "bandit.means: required parameter is missing",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("bandit(means=0.5)"),
                       "bandit.means: expected a list like [0.1, 0.5], got '0.5'", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("garnet(states=10,actions=2,branching=11)"),
                       "garnet.branching: must be in [1, states = 10], got 11", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("deep_sea_treasure(size=3.5)"),
                       "deep_sea_treasure.size: expected an integer, got '3.5'", InputError);
  // Seeds are at least 0 for every generator, as for random(seed=...) policies and features.
  CHECK_THROWS_WITH_AS(load_mdp("garnet(states=4,actions=2,branching=2,seed=-1)"),
                       "garnet.seed: must be >= 0, got -1", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("random_bandit(arms=3,min_gap=0.1,seed=-1)"),
                       "random_bandit.seed: must be >= 0, got -1", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("garnet(states=4,actions=2,branching=2,seed=3000000000)"),
                       "garnet.seed: must be in [0, 2147483647], got 3000000000", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gamma=0.5"), doctest::Contains("closing ')'"),
                       InputError);
}

TEST_CASE("Garnet MDPs are reproducible from their seed and differ across seeds") {
  const Mdp a = make_garnet(50, 3, 4, 123);
  const Mdp b = make_garnet(50, 3, 4, 123);
  const Mdp c = make_garnet(50, 3, 4, 124);
  CHECK(a.rewards() == b.rewards());
  CHECK(Eigen::MatrixXd(a.transitions()) == Eigen::MatrixXd(b.transitions()));
  CHECK(a.rewards() != c.rewards());
  for (Index row = 0; row < a.transitions().rows(); ++row) {
    CHECK(a.transitions().row(row).nonZeros() == 4);  // b distinct next states
  }
  CHECK(a.rewards().minCoeff() >= 0.0);
  CHECK(a.rewards().maxCoeff() < 1.0);
}

TEST_CASE("the catalog lists every built-in with its parameters") {
  const auto catalog = builtin_mdp_catalog();
  std::vector<std::string> names;
  for (const auto& info : catalog) names.push_back(info.name);
  CHECK(names == std::vector<std::string>{"bandit", "five_by_five", "cliff_world",
                                          "deep_sea_treasure", "forest", "random_bandit", "chain",
                                          "flat_grad_chain", "frozen_lake", "gridworld",
                                          "cliff_walking", "taxi", "garnet"});
  for (const auto& info : catalog) {
    for (const auto& parameter : info.parameters) CHECK_FALSE(parameter.description.empty());
  }
}

TEST_CASE("FrozenLake and FlatGrad reference values") {
  CHECK(solve_optimal(load_mdp("frozen_lake")).v[0] ==
        doctest::Approx(0.0688909048890).epsilon(1e-11));
  CHECK(solve_optimal(load_mdp("frozen_lake(map=4x4,slippery=false)")).v[0] ==
        doctest::Approx(0.59049).epsilon(1e-13));
  CHECK(solve_optimal(load_mdp("flat_grad_chain(H=20)")).objective ==
        doctest::Approx(13.192918493218148).epsilon(1e-13));
  const Mdp lake8 = load_mdp("frozen_lake(map=8x8)");
  CHECK(lake8.num_states() == 64);
  CHECK(solve_optimal(lake8).bellman_check_passed);
  CHECK(load_mdp("frozen_lake(map=SF/HG)").num_states() == 4);
}

TEST_CASE("gridworld maps: walls, start, goal and traps with known values") {
  // S . . #      G at (1, 3): four moves, the last one enters G.
  // . . . G
  const Mdp grid = load_mdp("gridworld(map=S..#/...G,step_reward=-0.01)");
  CHECK(grid.num_states() == 7);  // the wall is not a state
  CHECK(grid.state_names()[0] == "r0c0");
  const double expected = -0.01 * (1 + 0.9 + 0.81) + 0.729;
  CHECK(solve_optimal(grid).objective == doctest::Approx(expected).epsilon(1e-13));
  // A trap next to the start is avoided; with slip the value drops.
  const double safe = solve_optimal(load_mdp("gridworld(map=ST/.G)")).objective;
  CHECK(safe == doctest::Approx(0.9).epsilon(1e-13));  // down, then right into G
  CHECK(solve_optimal(load_mdp("gridworld(map=ST/.G,slip=0.3)")).objective < safe);
  // An error the builder finds names the parameter as the table does.
  CHECK_THROWS_WITH_AS(load_mdp("gridworld(map=S.x/..G)"),
                       "gridworld.map: unknown cell 'x' at row 0, column 2 (alphabet: .#SGT)",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("gridworld(map=S../.G)"),
                       doctest::Contains("row 1 has 2 cells, row 0 has 3"), InputError);
}

TEST_CASE("chain and random bandits") {
  const Mdp chain = load_mdp("chain(n=5,slip=0)");
  // Without slip, going forward forever is optimal: r = 1 each step once at the end.
  CHECK(solve_optimal(chain).v[4] == doctest::Approx(1.0 / (1.0 - 0.9)).epsilon(1e-13));
  for (int seed = 0; seed < 20; ++seed) {
    const Mdp bandit = make_random_bandit(6, 0.15, static_cast<std::uint64_t>(seed));
    CHECK(bandit.num_actions() == 6);
    // The smallest gap between the best arm's mean and another arm's.
    const auto means = bandit.rewards().row(0);
    const double best = means.maxCoeff();
    double min_gap = best - means.minCoeff();
    for (Index a = 0; a < means.size(); ++a) {
      if (means[a] < best) min_gap = std::min(min_gap, best - means[a]);
    }
    CHECK(min_gap >= 0.15 - 1e-15);
    CHECK(bandit.rewards().minCoeff() >= 0.0);
    CHECK(bandit.rewards().maxCoeff() <= 1.0);
  }
}

TEST_CASE("a built-in is a bandit when it has one state and gamma = 0, whatever its kind") {
  // Decided without building where the size follows from numeric parameters; always the same
  // answer as the built MDP's.
  const std::vector<std::pair<std::string, bool>> cases = {
      {"bandit(means=[0.1,0.9])", true},
      {"random_bandit(arms=3,min_gap=0.1)", true},
      {"garnet(states=1,actions=3,branching=1,gamma=0)", true},
      {"garnet(states=1,actions=3,branching=1)", false},
      {"garnet(states=2,actions=3,branching=1,gamma=0)", false},
      {"frozen_lake(map=S,gamma=0)", true},
      {"frozen_lake(map=S)", false},
      {"gridworld(map=S,gamma=0)", true},
      {"gridworld(map=SG,gamma=0)", false},
      {"cliff_world(gamma=0)", false},
      {"forest(states=2,gamma=0)", false},
      {"flat_grad_chain(H=1)", false},
  };
  for (const auto& [spec, bandit] : cases) {
    CAPTURE(spec);
    CHECK(builtin_mdp_is_bandit(spec) == bandit);
    CHECK(load_mdp(spec).is_bandit() == bandit);
  }
  // What only the build checks is left to the runs.
  CHECK_FALSE(builtin_mdp_is_bandit("gridworld(map=S.X/..G)").has_value());
  // Decided from the numbers, not built: this one would take some 30 GB.
  CHECK(builtin_mdp_is_bandit("garnet(states=400000000,actions=4,branching=1,gamma=0)") == false);
  // Checked as check_builtin_mdp_spec checks.
  CHECK_THROWS_WITH_AS(builtin_mdp_is_bandit("garnet(states=1,actions=2,branching=2,gamma=0)"),
                       "garnet.branching: must be in [1, states = 1], got 2", InputError);
}

TEST_CASE("taxi follows Gymnasium's dynamics") {
  const Mdp taxi = load_mdp("taxi(gamma=0.95)");
  CHECK(taxi.num_states() == 500);
  CHECK(taxi.num_actions() == 6);
  CHECK(taxi.rho().sum() == doctest::Approx(1.0));
  CHECK((taxi.rho().array() > 0).count() == 300);
  const auto state = [](int row, int column, int passenger, int destination) {
    return static_cast<Index>(((row * 5 + column) * 5 + passenger) * 4 + destination);
  };
  const auto next = [&](Index s, Index a) {
    for (TransitionMatrix::InnerIterator it(taxi.transitions(), taxi.transition_row(s, a)); it;
         ++it)
      return it.col();
    return Index{-1};
  };
  // The wall east of (0, 1) blocks; (2, 1) -> (2, 2) is open; north at row 0 stays.
  CHECK(next(state(0, 1, 0, 1), 2) == state(0, 1, 0, 1));
  CHECK(next(state(2, 1, 0, 1), 2) == state(2, 2, 0, 1));
  CHECK(next(state(0, 3, 0, 1), 1) == state(0, 3, 0, 1));
  // Pickup at R, illegal pickup elsewhere, delivery at G.
  CHECK(next(state(0, 0, 0, 1), 4) == state(0, 0, 4, 1));
  CHECK(taxi.rewards()(state(1, 0, 0, 1), 4) == -10.0);
  CHECK(taxi.rewards()(state(0, 4, 4, 1), 5) == 20.0);
  CHECK(next(state(0, 4, 4, 1), 5) == state(0, 4, 1, 1));
  // With the passenger in the taxi at G and destination G, delivering is optimal: V* = 20.
  const OptimalSolution optimal = solve_optimal(taxi);
  CHECK(optimal.v[state(0, 4, 4, 1)] == doctest::Approx(20.0));
  CHECK(optimal.policy[static_cast<std::size_t>(state(0, 4, 4, 1))] == 5);
  // One step away (east of (0, 3) is open): -1 + 0.95 * 20.
  CHECK(optimal.v[state(0, 3, 4, 1)] == doctest::Approx(-1.0 + 0.95 * 20.0));
}

TEST_CASE("built-ins too large for 32-bit indices or for memory are refused before building") {
  // Each refusal comes at once, before any allocation: the kernels asked for here would take
  // tens of GB to terabytes.
  const auto message_of = [](const std::string& spec) {
    try {
      (void)load_mdp(spec);
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("built");
  };
  CHECK(message_of("chain(n=2000000000)")
            .find("4e+09 (state, action) rows, above the limit of "
                  "2147483647") != std::string::npos);
  CHECK(message_of("deep_sea_treasure(size=100000)").find("(state, action) rows") !=
        std::string::npos);
  CHECK(message_of("garnet(states=100000000,actions=4,branching=6)")
            .find("2.4e+09 transition entries, above the limit") != std::string::npos);
  // Entries counted as the built-in makes them: chain's actions have two effects each where
  // 0 < slip < 1 (2.8e9 entries), one otherwise (1.4e9, within the index limit).
  CHECK(message_of("chain(n=700000000)").find("2.8e+09 transition entries, above the limit") !=
        std::string::npos);
  CHECK(message_of("forest(states=800000000)").find("2.4e+09 transition entries") !=
        std::string::npos);
  // A branching above the state count stays the build's own error, also where the states are
  // many; a parameter out of its range is said before the size.
  for (const char* spec : {"garnet(states=10,actions=2,branching=2000000000)",
                           "garnet(states=100000000,actions=4,branching=100000001)"}) {
    CAPTURE(spec);
    CHECK(message_of(spec).find("branching: must be in [1, states") != std::string::npos);
  }
  CHECK(message_of("garnet(states=100000000,actions=4,branching=5,gamma=1)").find("gamma") !=
        std::string::npos);
  // The spec check (sweep configs) refuses alike, without building.
  CHECK_THROWS_AS(check_builtin_mdp_spec("flat_grad_chain(H=2147483000)"), InputError);

  // Memory: building and solving, 64 bytes per entry and 24 per row, against the memory given.
  const BuiltinSize garnet{.rows = 4e8, .entries = 2e9};  // garnet(states=1e8,actions=4,b=5)
  std::string message;
  try {
    check_builtin_size("garnet(states=100000000,actions=4,branching=5)", garnet, 24e9);
  } catch (const InputError& error) {
    message = error.what();
  }
  CHECK(message.find("building and solving it would take about 137.6 GB, and this machine has "
                     "24 GB") != std::string::npos);
  CHECK_NOTHROW(check_builtin_size("garnet", garnet, 138e9));
  CHECK_THROWS_AS(check_builtin_size("garnet", garnet, 137e9), InputError);
  // forest(states=1e8) (3e8 entries, 2e8 rows: 24 GB by the estimate; `tabrl mdp info` peaked at
  // 2.16 GB for 1e7 states) passed the kernel-only estimate (7.2 GB) on machines of 8 to 20 GB,
  // to be killed by the OOM killer; now it is refused there.
  const BuiltinSize forest{.rows = 2e8, .entries = 3e8};
  CHECK_THROWS_AS(check_builtin_size("forest", forest, 20e9), InputError);
  CHECK_NOTHROW(check_builtin_size("forest", forest, 25e9));
  // The spec check (sweep configs, perhaps on a SLURM login node smaller than the nodes that run)
  // checks the index limits only: a kernel of 36 GB, within them, passes it on any machine.
  CHECK_NOTHROW(check_builtin_mdp_spec("garnet(states=10000000,actions=100,branching=2)"));
  CHECK(load_mdp("chain(n=100000)").num_states() == 100000);
  // Memory that runs out all the same is said in words (the CLI's failure line, runs.csv).
  CHECK(exception_text(std::bad_alloc()).rfind("out of memory: ", 0) == 0);
  CHECK(exception_text(std::runtime_error("other")) == "other");
}
