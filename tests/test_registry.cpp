// Built-in MDP specs name(key=value,...) and the Garnet generator.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "mdps/builtin.hpp"
#include "mdps/registry.hpp"

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
                       "cliff_world.gama: unknown parameter for cliff_world (parameters: gamma)",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gamma=high)"),
                       "cliff_world.gamma: expected a number, got 'high'", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("cliff_world(gamma=1.5)"),
                       "gamma: discount must be in [0, 1), got 1.5", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("bandit"), "bandit.means: required parameter is missing",
                       InputError);
  CHECK_THROWS_WITH_AS(load_mdp("bandit(means=0.5)"),
                       "bandit.means: expected a list like [0.1, 0.5], got '0.5'", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("garnet(states=10,actions=2,branching=11)"),
                       "branching: must be in [1, states = 10], got 11", InputError);
  CHECK_THROWS_WITH_AS(load_mdp("deep_sea_treasure(size=3.5)"),
                       "deep_sea_treasure.size: expected an integer, got '3.5'", InputError);
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
                                          "deep_sea_treasure", "garnet"});
  for (const auto& info : catalog) {
    for (const auto& parameter : info.parameters) CHECK_FALSE(parameter.description.empty());
  }
}
