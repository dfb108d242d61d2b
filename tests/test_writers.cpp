// Writers and round trips: any MDP written in any format reads back with the same P, r, gamma,
// rho and names, bit for bit.
#include <doctest/doctest.h>

#include <sstream>

#include "core/error.hpp"
#include "mdps/cassandra.hpp"
#include "mdps/csv_format.hpp"
#include "mdps/registry.hpp"
#include "mdps/toml_format.hpp"
#include "mdps/writers.hpp"

using namespace tabrl;

namespace {

Mdp round_trip(const Mdp& mdp, MdpFormat format) {
  std::ostringstream out;
  write_mdp(out, mdp, format);
  switch (format) {
    case MdpFormat::toml:
      return read_toml_mdp(out.str(), "x.toml");
    case MdpFormat::csv:
      return read_csv_mdp(out.str(), "x.csv");
    case MdpFormat::cassandra:
      break;
  }
  std::istringstream in(out.str());
  return read_cassandra(in, "x.mdp");
}

void check_identical(const Mdp& a, const Mdp& b) {
  REQUIRE(a.num_states() == b.num_states());
  REQUIRE(a.num_actions() == b.num_actions());
  CHECK(a.gamma() == b.gamma());
  CHECK(a.rho() == b.rho());
  CHECK(a.rewards() == b.rewards());
  CHECK(a.state_names() == b.state_names());
  CHECK(a.action_names() == b.action_names());
  CHECK(a.transitions().nonZeros() == b.transitions().nonZeros());
  const Eigen::MatrixXd pa(a.transitions()), pb(b.transitions());
  CHECK(pa == pb);
}

}  // namespace

TEST_CASE("round trips through every format keep the MDP exactly") {
  const std::vector<std::string> specs = {
      "five_by_five", "cliff_world", "deep_sea_treasure", "frozen_lake(map=8x8)",
      "gridworld(map=S..#/.T.G,slip=0.1,step_reward=-0.01)", "garnet(states=40,actions=3,branching=4,seed=7)",
      "bandit(means=[0.1,0.35,0.9])", "chain(n=6)", "flat_grad_chain(H=7)"};
  for (const std::string& spec : specs) {
    const Mdp original = load_mdp(spec);
    for (MdpFormat format : {MdpFormat::toml, MdpFormat::cassandra, MdpFormat::csv}) {
      CAPTURE(spec);
      CAPTURE(static_cast<int>(format));
      check_identical(original, round_trip(original, format));
      // And a second trip changes nothing more.
      check_identical(original, round_trip(round_trip(original, format), format));
    }
  }
}

TEST_CASE("names a format cannot carry are refused, and the format follows the extension") {
  MdpParts parts = load_mdp("five_by_five").parts();
  parts.state_names[0] = "9lives";
  const Mdp digit_name(parts);
  std::ostringstream out;
  CHECK_THROWS_WITH_AS(write_mdp(out, digit_name, MdpFormat::cassandra),
                       "state_names: state name '9lives' cannot be written in Cassandra format",
                       InputError);
  CHECK_NOTHROW(write_mdp(out, digit_name, MdpFormat::csv));
  parts.state_names[0] = "two words";
  CHECK_THROWS_AS(write_mdp(out, Mdp(parts), MdpFormat::csv), InputError);
  check_identical(Mdp(parts), round_trip(Mdp(parts), MdpFormat::toml));  // TOML quotes anything
  CHECK(format_of_path("a/b.MDP") == MdpFormat::cassandra);
  CHECK_THROWS_WITH_AS(format_of_path("model.json"),
                       "model.json: unknown MDP format: the file must end in .toml, .mdp or .csv",
                       InputError);
}
