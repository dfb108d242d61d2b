// Writers and round trips: any MDP written in any format reads back with the same P, r, gamma,
// rho and names, bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
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
  const TransitionMatrix& pa = a.transitions();
  const TransitionMatrix& pb = b.transitions();
  REQUIRE(pa.nonZeros() == pb.nonZeros());
  const auto n = static_cast<std::size_t>(pa.nonZeros());
  CHECK(std::equal(pa.valuePtr(), pa.valuePtr() + n, pb.valuePtr()));
  CHECK(std::equal(pa.innerIndexPtr(), pa.innerIndexPtr() + n, pb.innerIndexPtr()));
  CHECK(std::equal(pa.outerIndexPtr(), pa.outerIndexPtr() + pa.rows() + 1, pb.outerIndexPtr()));
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

namespace {

// Reads `text` in `format`; returns "" for a model, the message for an InputError. Any other
// exception escapes and fails the test.
std::string outcome(const std::string& text, MdpFormat format) {
  try {
    switch (format) {
      case MdpFormat::toml:
        read_toml_mdp(text, "x.toml");
        break;
      case MdpFormat::csv:
        read_csv_mdp(text, "x.csv");
        break;
      case MdpFormat::cassandra: {
        std::istringstream in(text);
        read_cassandra(in, "x.mdp");
      }
    }
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("empty, binary and truncated files fail cleanly in every format") {
  const Mdp mdp = load_mdp("gridworld(map=S..#/.T.G,slip=0.1)");
  std::string binary;
  for (int i = 0; i < 600; ++i) binary.push_back(static_cast<char>((i * 37 + 11) % 256));
  for (MdpFormat format : {MdpFormat::toml, MdpFormat::cassandra, MdpFormat::csv}) {
    CAPTURE(static_cast<int>(format));
    CHECK_FALSE(outcome("", format).empty());
    CHECK(outcome(binary, format).rfind("x.", 0) == 0);
    std::ostringstream out;
    write_mdp(out, mdp, format);
    const std::string text = out.str();
    int failures = 0;
    for (std::size_t cut = 0; cut < text.size(); cut += 97) {
      if (!outcome(text.substr(0, cut), format).empty()) ++failures;
    }
    CHECK(failures > 0);  // most prefixes lack rows; none may crash
  }
}

TEST_CASE("a large MDP (20,000 states, 400,000 transitions) round trips through every format") {
  const Mdp mdp = load_mdp("garnet(states=20000,actions=4,branching=5,seed=3)");
  for (MdpFormat format : {MdpFormat::toml, MdpFormat::cassandra, MdpFormat::csv}) {
    CAPTURE(static_cast<int>(format));
    check_identical(mdp, round_trip(mdp, format));
  }
}
