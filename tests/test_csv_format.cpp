// The long CSV MDP format.
#include <doctest/doctest.h>

#include <filesystem>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/csv_format.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

std::string error_of(const std::string& text) {
  return tabrl::testing::input_error_of([&] { read_csv_mdp(text, "model.csv"); });
}

}  // namespace

TEST_CASE("names in order of appearance, r(s, a, s') reduced, start forms") {
  const Mdp mdp = read_csv_mdp(R"(# a two-state example
# gamma = 0.9
# start = goal:0.25 start:0.75
from,action,to,probability,reward
start,move,goal,0.8,1.0
start,move,start,0.2,
start,stay,start,1,0
goal,stay,goal,1,1
goal,move,start,1,0
)",
                               "model.csv");
  CHECK(mdp.state_names() == std::vector<std::string>{"start", "goal"});
  CHECK(mdp.action_names() == std::vector<std::string>{"move", "stay"});
  CHECK(mdp.rewards()(0, 0) == doctest::Approx(0.8));
  CHECK(mdp.rho()[1] == 0.25);
  CHECK(mdp.transitions().coeff(mdp.transition_row(0, 0), 1) == 0.8);
}

TEST_CASE("numeric states and actions are indices") {
  const Mdp mdp = read_csv_mdp(
      "# gamma = 0.5\n# start = 1\nfrom,action,to,probability,reward\n"
      "0,0,1,1,0\n1,0,1,1,2\n",
      "model.csv");
  CHECK_FALSE(mdp.has_state_names());
  CHECK(mdp.rho()[1] == 1.0);
  CHECK(solve_optimal(mdp).v[1] == doctest::Approx(4.0));
}

TEST_CASE("a CSV number may carry a '+', but only before its digits") {
  const std::string head = "# gamma = +0.5\nfrom,action,to,probability,reward\n";
  CHECK(read_csv_mdp(head + "s,go,s,+1,+2\n", "model.csv").rewards()(0, 0) == 2.0);
  // "+-1" once read as -1.
  CHECK(error_of(head + "s,go,s,1,+-1\n") == "model.csv:3: reward: expected a number, found '+-1'");
}

TEST_CASE("CSV errors carry file, line and field") {
  const std::string head = "# gamma = 0.9\nfrom,action,to,probability,reward\n";
  CHECK(error_of("from,action,to,probability,reward\na,x,a,1,0\n") ==
        "model.csv:1: gamma: missing '# gamma = ...' line before the header");
  CHECK(
      error_of("# gamma = 0.9\nfrom,act,to,p,r\n") ==
      "model.csv:2: header: expected 'from,action,to,probability,reward', found 'from,act,to,p,r'");
  CHECK(error_of(head + "a,x,a,1\n") == "model.csv:3: row: expected 5 fields, found 4");
  CHECK(error_of(head + "a,x,a,one,0\n") ==
        "model.csv:3: probability: expected a number, found 'one'");
  // A number beyond a double's range says so, not only that it is no number.
  CHECK(
      error_of(head + "a,x,a,1e-500,0\n") ==
      "model.csv:3: probability: expected a number, found '1e-500' (beyond the range of a double)");
  CHECK(error_of(head + "a,x,a,1,-1e500\n") ==
        "model.csv:3: reward: expected a number, found '-1e500' (beyond the range of a double)");
  CHECK(error_of("# gamma = 1e-400\n") ==
        "model.csv:1: gamma: must be a number in [0, 1), got '1e-400' (beyond the range of a "
        "double)");
  CHECK(error_of(head + "a,x,a,0.5,0\na,x,b,0.4,0\nb,x,b,1,0\n") ==
        "model.csv:4: row: transition row (state a, action x) sums to 0.9, not 1");
  CHECK(error_of(head + "a,x,a,1,0\na,x,a,1,0\n") ==
        "model.csv:4: row: transition (a, x) -> a already given on line 3");
  CHECK(error_of(head + "a,x,b,1,0\nb,y,b,1,0\n") ==
        "model.csv:4: row: no transition probabilities given for (state a, action y)");
  CHECK(error_of("# gamma = 0.9\n# states = a\nfrom,action,to,probability,reward\na,x,b,1,0\n") ==
        "model.csv:4: row: unknown state 'b' (not in the '# states' / '# actions' list)");
  CHECK(error_of("# gama = 0.9\n") ==
        "model.csv:1: gama: unknown setting (known: gamma, start, states, actions)");
  // Found by the fuzzer: a second '# actions' line once changed the count under the reader's feet.
  CHECK(error_of("# gamma = 0\n# actions = x\n# actions = 0 1\n") ==
        "model.csv:3: actions: given twice (first at line 2)");
  // Found by the fuzzer: one index of 8 million must not allocate 8 million empty rows.
  CHECK(error_of(head + "0,0,1,1,1\n08333333,0,1,1,1\n") ==
        "model.csv:4: row: 8333334 states x 1 actions need at least 8333334 rows, the file has 2 "
        "(numbered states or actions run from 0 to the largest index)");
  CHECK(error_of(std::string("# gamma = 0.9\n\0\n", 16)) ==
        "model.csv:2: syntax: unexpected NUL byte (is this a text file?)");
}

namespace {

std::vector<std::string> all_errors(const std::string& text) {
  return tabrl::testing::collected_errors(
      [&](ErrorList* errors) { read_csv_mdp(text, "model.csv", {}, errors); });
}

constexpr const char* kRows = "from,action,to,probability,reward\na,go,b,1,0\nb,go,a,1,1\n";

}  // namespace

TEST_CASE("a repeated CSV setting is an error naming both lines") {
  CHECK(error_of(std::string("# gamma = 0.9\n# gamma = 0.5\n") + kRows) ==
        "model.csv:2: gamma: given twice (first at line 1)");
  CHECK(error_of(std::string("# gamma = 0.9\n# start = a\n# note\n# start = b\n") + kRows) ==
        "model.csv:4: start: given twice (first at line 2)");
  CHECK(error_of(std::string("# gamma = 0.9\n# states = a b\n# states = a b\n") + kRows) ==
        "model.csv:3: states: given twice (first at line 2)");
  CHECK(error_of(std::string("# actions = go\n# gamma = 0.9\n# actions = go\n") + kRows) ==
        "model.csv:3: actions: given twice (first at line 1)");
}

TEST_CASE("CSV start errors carry their line") {
  const auto start = [](const std::string& value) {
    return error_of("# gamma = 0.9\n# start = " + value + "\n" + kRows);
  };
  CHECK(start("0.5 0.25 0.25") == "model.csv:2: start: expected 2 probabilities, found 3");
  CHECK(start("-0.5 1.5") ==
        "model.csv:2: start: probability of state a must be finite and >= 0, got -0.5");
  CHECK(start("0.5 0.6") == "model.csv:2: start: start probabilities sum to 1.1, not 1");
  CHECK(start("a:0.5 b:0.6") == "model.csv:2: start: start probabilities sum to 1.1, not 1");
  CHECK(start("0.5 half") == "model.csv:2: start: expected a number, found 'half'");
  CHECK(start("a:half") == "model.csv:2: start: expected name:probability pairs, found 'a:half'");
  CHECK(start("a:1e999") ==
        "model.csv:2: start: expected name:probability pairs, found "
        "'a:1e999' (beyond the range of a double)");
  CHECK(start("1e-999") ==
        "model.csv:2: start: unknown state '1e-999' (beyond the range of a double)");
  CHECK(start("1 1e-999") ==
        "model.csv:2: start: expected a number, found '1e-999' (beyond the range of a double)");
  CHECK(start("c") == "model.csv:2: start: unknown state 'c'");
}

TEST_CASE("a long read polls the cancellation check of its thread, and stops when it says so") {
  // 3,000 rows: the check runs every kCancellationStride lines; Cancelled is no InputError, so
  // neither the reader nor an error list catches it.
  std::string text = "# gamma = 0.9\nfrom,action,to,probability,reward\n";
  for (int s = 0; s < 1000; ++s) {
    for (int a = 0; a < 3; ++a) {
      text += std::to_string(s) + "," + std::to_string(a) + "," + std::to_string((s + 1) % 1000) +
              ",1,0\n";
    }
  }
  int checks = 0;
  {
    const CancellationScope scope([&checks] { return ++checks > 1; });
    CHECK_THROWS_AS(read_csv_mdp(text, "model.csv"), Cancelled);
    CHECK(checks == 2);
    {
      const CancellationScope inner([] { return false; });  // the inner scope rules
      CHECK(read_csv_mdp(text, "model.csv").num_states() == 1000);
    }
    ErrorList errors(true);  // collecting, as tabrl mdp validate reads
    CHECK_THROWS_AS(read_csv_mdp(text, "model.csv", {}, &errors), Cancelled);
  }
  // No scope: nothing is checked.
  CHECK(read_csv_mdp(text, "model.csv").num_states() == 1000);
}

TEST_CASE("a CSV byte order mark is skipped, and tokens in messages are escaped and cut") {
  const std::string text = std::string("# gamma = 0.9\n# start = b\n") + kRows;
  const Mdp plain = read_csv_mdp(text, "model.csv");
  const Mdp marked = read_csv_mdp("\xEF\xBB\xBF" + text, "model.csv");
  CHECK(marked.state_names() == plain.state_names());
  CHECK(marked.rho() == plain.rho());
  CHECK(marked.rewards() == plain.rewards());
  // The reproduction: a mark before the header made it "unknown" with an invisible quote.
  CHECK(error_of("# gamma = 0.9\n\xEF\xBB\xBF"
                 "from,action,to,probability,reward\n") ==
        "model.csv:2: header: expected 'from,action,to,probability,reward', found "
        "'\\xEF\\xBB\\xBFfrom,action,to,probability,reward'");
  const std::string head = "# gamma = 0.9\nfrom,action,to,probability,reward\n";
  CHECK(error_of(head + "a,go,a," + std::string(5000, '7') + "x,0\n") ==
        "model.csv:3: probability: expected a number, found '" + std::string(57, '7') +
            "...' (5001 bytes)");
  CHECK(error_of("# " + std::string(100, 'k') + " = 1\n") ==
        "model.csv:1: " + std::string(57, 'k') +
            "... (100 bytes): unknown setting (known: gamma, "
            "start, states, actions)");
}

TEST_CASE("CSV collecting mode reports every error") {
  const std::vector<std::string> errors = all_errors(R"(# gamma = 1.5
# start = 0.5 half
# gamma = 0.9
from,action,to,probability,reward
a,go,b,1,0
b,go,a,x,1
a,go,b,1,0
# states = a b
)");
  REQUIRE(errors.size() == 7);
  CHECK(errors[0] == "model.csv:1: gamma: must be a number in [0, 1), got '1.5'");
  CHECK(errors[1] == "model.csv:3: gamma: given twice (first at line 1)");
  CHECK(errors[2] == "model.csv:6: probability: expected a number, found 'x'");
  CHECK(errors[3] == "model.csv:8: states: settings must come before the header line");
  CHECK(errors[4] == "model.csv:7: row: transition (a, go) -> b already given on line 5");
  CHECK(errors[5] == "model.csv:2: start: expected a number, found 'half'");
  CHECK(errors[6] ==
        "model.csv:8: row: no transition probabilities given for (state b, action go)");
}

TEST_CASE("a CSV path that is a directory is named as such") {
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / "tabrl_csv_test" / "x.csv";
  std::filesystem::create_directories(directory);
  CHECK(tabrl::testing::input_error_of([&] { read_mdp_file(directory.string()); }) ==
        directory.string() + ": is a directory");
  std::filesystem::remove_all(directory.parent_path());
}

TEST_CASE("a device is refused before it is read (/dev/zero would never end)") {
  // Through a link in a temporary directory to the null device, which is read-only here and ends
  // at once, so that a regression fails on the message instead of reading forever.
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / "tabrl_device_test";
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  const std::filesystem::path link = directory / "x.mdp";
  std::filesystem::create_symlink("/dev/null", link);
  CHECK(tabrl::testing::input_error_of([&] { read_mdp_file(link.string()); }) ==
        link.string() + ": is a device; tabrl reads regular files and pipes");
  CHECK(tabrl::testing::input_error_of([&] { read_text_file(link.string()); }) ==
        link.string() + ": is a device; tabrl reads regular files and pipes");
  std::filesystem::remove_all(directory);
}
