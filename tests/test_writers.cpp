// Writers and round trips: any MDP written in any format reads back with the same P, r, gamma,
// rho and names, bit for bit.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>

using namespace tabrl;

namespace {

const MdpFormat& format_named(std::string_view name) {
  const MdpFormat* format = find_mdp_format(name);
  REQUIRE(format != nullptr);
  return *format;
}

// A file name in `format`, for messages.
std::string file_in(const MdpFormat& format) {
  return "x" + std::string(format.extensions.front());
}

Mdp round_trip(const Mdp& mdp, const MdpFormat& format) {
  std::ostringstream out;
  format.write(out, mdp);
  return format.read(out.str(), file_in(format), {}, nullptr);
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
  const std::vector<std::string> specs = {"five_by_five",
                                          "cliff_world",
                                          "deep_sea_treasure",
                                          "frozen_lake(map=8x8)",
                                          "gridworld(map=S..#/.T.G,slip=0.1,step_reward=-0.01)",
                                          "garnet(states=40,actions=3,branching=4,seed=7)",
                                          "bandit(means=[0.1,0.35,0.9])",
                                          "chain(n=6)",
                                          "flat_grad_chain(H=7)",
                                          "forest(states=4,p=0.2)",
                                          "cliff_walking"};
  for (const std::string& spec : specs) {
    const Mdp original = load_mdp(spec);
    for (const MdpFormat& format : mdp_formats()) {
      const std::string name(format.name);
      CAPTURE(spec);
      CAPTURE(name);
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
  CHECK_THROWS_WITH_AS(format_named("cassandra").write(out, digit_name),
                       "state_names: state name '9lives' cannot be written in Cassandra format",
                       InputError);
  CHECK_NOTHROW(format_named("csv").write(out, digit_name));
  parts.state_names[0] = "two words";
  CHECK_THROWS_AS(format_named("csv").write(out, Mdp(parts)), InputError);
  check_identical(Mdp(parts), round_trip(Mdp(parts), format_named("toml")));  // TOML quotes all
  CHECK(&format_of_path("a/b.MDP") == &format_named("cassandra"));
  CHECK_THROWS_WITH_AS(format_of_path("model.json"),
                       "model.json: unknown MDP format: the file must end in .toml, .mdp or .csv",
                       InputError);
}

namespace {

// Reads `text` in `format`; returns "" for a model, the message for an InputError. Any other
// exception escapes and fails the test.
std::string outcome(const std::string& text, const MdpFormat& format) {
  try {
    format.read(text, file_in(format), {}, nullptr);
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
  for (const MdpFormat& format : mdp_formats()) {
    const std::string name(format.name);
    CAPTURE(name);
    CHECK_FALSE(outcome("", format).empty());
    CHECK(outcome(binary, format).rfind("x.", 0) == 0);
    std::ostringstream out;
    format.write(out, mdp);
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
  for (const MdpFormat& format : mdp_formats()) {
    const std::string name(format.name);
    CAPTURE(name);
    check_identical(mdp, round_trip(mdp, format));
  }
}

TEST_CASE("the format table: one format per extension, the Cassandra rule for other files") {
  std::vector<std::string_view> names, extensions;
  int read_other_files = 0;
  for (const MdpFormat& format : mdp_formats()) {
    names.push_back(format.name);
    REQUIRE_FALSE(format.extensions.empty());
    for (std::string_view extension : format.extensions) {
      extensions.push_back(extension);
      CHECK(mdp_format_by_extension("model" + std::string(extension)) == &format);
    }
    CHECK((format.read != nullptr));
    CHECK((format.write != nullptr));
    read_other_files += format.reads_other_files ? 1 : 0;
  }
  const auto unique = [](std::vector<std::string_view> list) {
    std::sort(list.begin(), list.end());
    return std::adjacent_find(list.begin(), list.end()) == list.end();
  };
  CHECK(unique(names));
  CHECK(unique(extensions));
  CHECK(read_other_files <= 1);
  CHECK(mdp_extension_list() == ".toml, .mdp or .csv");
  CHECK(mdp_format_by_extension("model.json") == nullptr);
  CHECK(&format_for_reading("model.POMDP") == &format_named("cassandra"));
  CHECK(&format_for_reading("model.toml") == &format_named("toml"));
  // Any other existing file is read as Cassandra, by load_mdp and by validate alike.
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("tabrl_formats_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "discount: 0.5\nstates: 1\nactions: 1\nT: 0 identity\n";
  CHECK(load_mdp(path.string()).gamma() == 0.5);
  CHECK(validate_mdp_file(path.string()).errors.empty());
  std::filesystem::remove(path);
}

TEST_CASE("every format is fuzzed: tests/fuzz/CMakeLists.txt finds its row, it has seed inputs") {
  // The pattern tests/fuzz/CMakeLists.txt builds one fuzzer per match of.
  const std::string table = read_text_file(std::string(TABRL_SOURCE_DIR) + "/mdps/formats.cpp");
  const std::regex row_name(R"re(\.name = "([a-z0-9_]+)")re");
  std::vector<std::string> found;
  for (std::sregex_iterator it(table.begin(), table.end(), row_name), end; it != end; ++it) {
    found.push_back((*it)[1]);
  }
  std::vector<std::string> names;
  for (const MdpFormat& format : mdp_formats()) {
    names.emplace_back(format.name);
    const std::filesystem::path corpus =
        std::filesystem::path(TABRL_SOURCE_DIR) / "tests/fuzz/corpus" / format.name;
    CAPTURE(corpus);
    CHECK((std::filesystem::is_directory(corpus) && !std::filesystem::is_empty(corpus)));
  }
  CHECK(found == names);
}
