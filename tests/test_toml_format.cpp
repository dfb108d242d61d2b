// tabrl's TOML MDP format: every form, its meaning against the Cassandra reader, and errors with
// file, line and key.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/cassandra.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/mdps/toml_format.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

Mdp parse(const std::string& text) { return read_toml_mdp(text, "model.toml"); }

std::string error_of(const std::string& text) {
  return tabrl::testing::input_error_of([&] { parse(text); });
}

std::vector<std::string> all_errors(const std::string& text) {
  return tabrl::testing::collected_errors(
      [&](ErrorList* errors) { read_toml_mdp(text, "model.toml", {}, errors); });
}

double p(const Mdp& mdp, Index s, Index a, Index next) {
  return mdp.transitions().coeff(mdp.transition_row(s, a), next);
}

}  // namespace

TEST_CASE("entries, rows, dense matrices, wildcards, start forms and absorbing states") {
  const Mdp mdp = parse(R"(
gamma = 0.8
states = ["a", "b", "c"]
actions = ["x", "y"]
start = { a = 0.25, c = 0.75 }
absorbing = ["c"]
rewards = [[1, 2], [3, 4], [5, 6]]

[dense]
x = [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

[[transition]]
from = "*"
action = "y"
to = [0.0, 0.0, 1.0]

[[transition]]
from = "b"
action = "y"
to = { a = 0.4, b = 0.6 }

[[transition]]
from = "b"
action = "y"
to = "c"
p = 0.0

[[transition]]
from = "b"
action = "y"
to = "b"
p = 0.6

[[reward]]
from = "a"
action = "*"
to = "b"
value = 10.0
)");
  CHECK(mdp.gamma() == 0.8);
  CHECK(mdp.rho()[2] == 0.75);
  CHECK(p(mdp, 0, 0, 1) == 0.5);
  CHECK(p(mdp, 0, 1, 2) == 1.0);
  CHECK(p(mdp, 1, 1, 0) == 0.4);
  CHECK(p(mdp, 1, 1, 1) == 0.6);
  CHECK(p(mdp, 2, 0, 2) == 1.0);                                      // absorbing
  CHECK(mdp.rewards()(0, 0) == doctest::Approx(0.5 * 1 + 0.5 * 10));  // r(a, x, b) = 10
  CHECK(mdp.rewards()(0, 1) == 2.0);                                  // a -y-> c only
  CHECK(mdp.rewards()(1, 1) == 4.0);
  CHECK(mdp.rewards()(2, 0) == 0.0);  // absorbing states pay 0
  CHECK(mdp.rewards()(2, 1) == 0.0);
}

TEST_CASE("integers beyond 2^53 are numbers, rounded to the nearest double") {
  // toml++ alone refuses to convert them; they were reported as "expected a number".
  const Mdp mdp = parse(R"(
gamma = 0.5
states = 2
actions = 1
rewards = [[9007199254740993], [-4611686018427387904]]

[[transition]]
from = "*"
action = 0
to = [0.5, 0.5]
)");
  CHECK(mdp.rewards()(0, 0) == 9007199254740992.0);
  CHECK(mdp.rewards()(1, 0) == -4611686018427387904.0);
}

TEST_CASE("counts and indices, and start as uniform, a state, an index or a list") {
  const std::string body =
      "gamma = 0.5\nstates = 3\nactions = 1\n[[transition]]\nfrom = \"*\"\n"
      "action = 0\nto = 2\np = 1.0\n";
  CHECK(parse(body).rho() == Vector::Constant(3, 1.0 / 3.0));
  CHECK(parse("start = 1\n" + body).rho() == Vector::Unit(3, 1));
  CHECK(parse("start = \"uniform\"\n" + body).rho() == Vector::Constant(3, 1.0 / 3.0));
  CHECK(parse("start = [0.5, 0.25, 0.25]\n" + body).rho()[0] == 0.5);
  CHECK(p(parse(body), 0, 0, 2) == 1.0);
}

TEST_CASE("the same MDP in TOML and in Cassandra format has the same optimum") {
  const std::string toml = R"(
gamma = 0.95
states = ["s0", "s1", "s2"]
actions = ["left", "right"]
start = "s0"
[[transition]]
from = "*"
action = "left"
to = "s0"
p = 1.0
[[transition]]
from = "s0"
action = "right"
to = { s0 = 0.2, s1 = 0.8 }
[[transition]]
from = "s1"
action = "right"
to = { s1 = 0.2, s2 = 0.8 }
[[transition]]
from = "s2"
action = "right"
to = "s2"
p = 1.0
[[reward]]
from = "*"
action = "*"
value = -0.05
[[reward]]
from = "*"
action = "right"
to = "s2"
value = 1.0
)";
  const std::string cassandra = R"(discount: 0.95
states: s0 s1 s2
actions: left right
start: s0
T: left : * : s0 1.0
T: right : s0 0.2 0.8 0.0
T: right : s1 0.0 0.2 0.8
T: right : s2 : s2 1.0
R: * : * : * -0.05
R: right : * : s2 1.0
)";
  std::istringstream input(cassandra);
  const OptimalSolution a = solve_optimal(parse(toml));
  const OptimalSolution b = solve_optimal(read_cassandra(input, "model.mdp"));
  CHECK(a.objective == b.objective);
  CHECK(a.policy == b.policy);
}

TEST_CASE("an inline gridworld map equals the gridworld built-in") {
  const Mdp inline_map = parse("map = [\"S..#\", \"...G\"]\nstep_reward = -0.01\ngamma = 0.9\n");
  const Mdp builtin = load_mdp("gridworld(map=S..#/...G,step_reward=-0.01)");
  CHECK(inline_map.rewards() == builtin.rewards());
  CHECK(solve_optimal(inline_map).objective == solve_optimal(builtin).objective);
  CHECK(error_of("map = \"S.x\"\n") ==
        "model.toml:1: map: unknown cell 'x' at row 0, column 2 (alphabet: .#SGT)");
  CHECK(error_of("map = \"S.G\"\nstates = 3\n") ==
        "model.toml:2: states: not allowed with 'map' (an inline gridworld takes: map, gamma, "
        "slip, step_reward, goal_reward, trap_reward)");
}

TEST_CASE("errors name file, line and key") {
  const std::string head = "gamma = 0.9\nstates = [\"a\", \"b\"]\nactions = [\"go\"]\n";
  CHECK(error_of(head + "stat = \"a\"\n") ==
        "model.toml:4: stat: unknown key; did you mean 'start'? (known: gamma, states, actions, "
        "start, absorbing, dense, rewards, transition, reward, map, features)");
  CHECK(error_of("states = 2\nactions = 1\n") ==
        "model.toml:1: gamma: missing: the discount factor in [0, 1)");
  CHECK(error_of("gamma = 1.0\nstates = 2\nactions = 1\n") ==
        "model.toml:1: gamma: must be a number in [0, 1)");
  CHECK(error_of(head +
                 "[[transition]]\nfrom = \"a\"\naction = \"go\"\nto = { a = 0.5, c = 0.5 }\n") ==
        "model.toml:7: transition.to: unknown state 'c'; did you mean 'a'? (known: a, b)");
  CHECK(error_of(head + "[[transition]]\nfrom = \"*\"\naction = \"go\"\nto = [0.5, 0.4]\n") ==
        "model.toml:4: transition: transition row (state a, action go) sums to 0.9, not 1");
  CHECK(error_of(head + "[[transition]]\nfrom = \"a\"\naction = \"go\"\nto = \"b\"\np = 1.0\n") ==
        "model.toml:8: transition: no transition probabilities given for (state b, action go)");
  CHECK(error_of(head + "[[transition]]\nfrom = \"*\"\naction = \"go\"\nto = \"b\"\np = 1.0\n"
                        "rewards = [[1], [2]]\n") ==
        "model.toml:9: transition.rewards: unknown key; (known: from, action, to, p) ('rewards' is "
        "a top-level key: in TOML it must come before the first [[...]] block)");
  CHECK(error_of(head + "[[transition]]\nfrom = \"*\"\nactoin = \"go\"\nto = \"b\"\np = 1.0\n") ==
        "model.toml:6: transition.actoin: unknown key; did you mean 'action'? (known: from, "
        "action, to, p)");
  CHECK(error_of(head + "[[transition]]\nfrom = 7\naction = \"go\"\nto = \"b\"\np = 1.0\n") ==
        "model.toml:5: transition.from: state index 7 is out of range (2 states, numbered from 0)");
  CHECK(error_of(head + "[[transition]]\nfrom = \"*\"\naction = \"go\"\nto = \"b\"\np = 1.5\n") ==
        "model.toml:8: transition.p: probability 1.5 is outside [0, 1]");
  CHECK(error_of("gamma = 0.9\nstates = [\"a\", \"a\"]\nactions = 1\n") ==
        "model.toml:2: states: duplicate name 'a'");
  CHECK(error_of("gamma = 0.9\nstates = [\"a\"\n").find("model.toml:2: syntax:") == 0);
  CHECK(error_of(head +
                 "start = { a = 0.5, b = 0.6 }\n[[transition]]\nfrom = \"*\"\naction = \"*\"\n"
                 "to = \"a\"\np = 1.0\n") ==
        "model.toml:4: start: start probabilities sum to 1.1, not 1");
}

TEST_CASE("collecting mode stops after 100 errors") {
  // 1000 states and no transitions: a million missing rows must not become a million errors.
  const std::vector<std::string> errors =
      all_errors("gamma = 0.9\nstates = 1000\nactions = 1000\n");
  REQUIRE(errors.size() == 101);
  CHECK(errors.back() == "model.toml:3: transition: too many errors; stopped after 100");
}

TEST_CASE("collecting mode reports every error it can find") {
  const std::vector<std::string> errors = all_errors(R"(gamma = 0.9
states = ["a", "b", "c"]
actions = ["go"]
[[transition]]
from = "a"
action = "go"
to = { a = 0.5, b = 0.4 }
[[transition]]
from = "b"
action = "og"
to = "a"
p = 1.0
)");
  REQUIRE(errors.size() == 4);
  CHECK(errors[0] ==
        "model.toml:10: transition.action: unknown action 'og'; did you mean 'go'? (known: go)");
  CHECK(errors[1] ==
        "model.toml:4: transition: transition row (state a, action go) sums to 0.9, not 1");
  CHECK(errors[2] ==
        "model.toml:12: transition: no transition probabilities given for (state b, action go)");
  CHECK(errors[3] ==
        "model.toml:12: transition: no transition probabilities given for (state c, action go)");
}

TEST_CASE("a repeated TOML key or table is refused with file and line") {
  // toml++ refuses the duplicate; the message keeps the file, the line and the key.
  CHECK(error_of("gamma = 0.9\nstates = 2\nactions = 1\ngamma = 0.5\n") ==
        "model.toml:4: syntax: Error while parsing key-value pair: cannot redefine existing "
        "floating-point 'gamma'");
  CHECK(
      error_of("gamma = 0.9\nstates = 2\nactions = 1\n[dense]\n0 = [[1, 0], [0, 1]]\n[dense]\n") ==
      "model.toml:6: syntax: Error while parsing table header: cannot redefine existing table "
      "'dense'");
  // A long key inside such a message is cut like every other token.
  const std::string key(300, 'q');
  CHECK(error_of(key + " = 1\n" + key + " = 2\n") ==
        "model.toml:2: syntax: Error while parsing key-value pair: cannot redefine existing "
        "integer '" +
            std::string(57, 'q') + "... (300 bytes)'");
}

TEST_CASE("a TOML float beyond the range of a double is refused, not read as 0") {
  // toml++ rounds 1e-400 to 0 as strtod does; the other readers refuse such a number, and so
  // does this one, at its line, with the key and the number as written.
  CHECK(error_of("gamma = 1e-400\nstates = 2\nactions = 1\n") ==
        "model.toml:1: gamma: the number '1e-400' is beyond the range of a double (it would read "
        "as 0)");
  // Digit separators, a sign, a value inside a list of tables, and a key with letters of more
  // than one byte before it on the line (toml++ counts columns in code points).
  const std::string head = "gamma = 0.9\nstates = [\"a\", \"b\"]\nactions = 1\n";
  CHECK(
      error_of(head + "[[transition]]\nfrom = \"a\"\naction = 0\nto = \"b\"\np = -1_0e-4_00\n") ==
      "model.toml:8: transition[0].p: the number '-1_0e-4_00' is beyond the range of a double (it "
      "would read as 0)");
  // Windows line ends, a tab before the value, and a value on a later line of a list.
  CHECK(error_of("gamma = 0.9\r\nstates = 1\r\nactions = 1\r\nrewards = [[\t1e-400]]\r\n") ==
        "model.toml:4: rewards[0][0]: the number '1e-400' is beyond the range of a double (it "
        "would read as 0)");
  CHECK(
      error_of("gamma = 0.9\nstates = 2\nactions = 1\nrewards = [\n  [0.5],\n  [ 7e-999 ],\n]\n") ==
      "model.toml:6: rewards[1][0]: the number '7e-999' is beyond the range of a double (it "
      "would read as 0)");
  // One byte order mark is skipped (and the columns stay right); a second is a syntax error,
  // not a way past the check.
  CHECK(error_of("\xEF\xBB\xBFgamma = 1e-400\n").find("model.toml:1: gamma: the number '1e-400'") ==
        0);
  CHECK(error_of("\xEF\xBB\xBF\xEF\xBB\xBFgamma = 1e-400\n").find("model.toml:1: syntax:") == 0);
  CHECK(error_of("\"\u00e9\u20ac\" = { x = [1.0, +2E-999] }\n") ==
        "model.toml:1: \u00e9\u20ac.x[1]: the number '+2E-999' is beyond the range of a double (it "
        "would "
        "read as 0)");
  // Zeros written as zeros, and subnormals, still read.
  const std::string model = "\nstates = 1\nactions = 1\nrewards = [[0.5]]\n[dense]\n0 = [[1.0]]\n";
  for (const char* zero : {"0.0", "-0.0", "0e-999", "0.000e5", "+0.0_0"}) {
    CAPTURE(zero);
    CHECK(parse(std::string("gamma = ") + zero + model).gamma() == 0.0);
  }
  CHECK(parse("gamma = 1e-320" + model).gamma() == 1e-320);
}

TEST_CASE("TOML start errors carry their line") {
  const std::string head = "gamma = 0.9\nstates = [\"a\", \"b\"]\nactions = 1\n";
  const std::string body = "[[transition]]\nfrom = \"*\"\naction = 0\nto = \"a\"\np = 1.0\n";
  CHECK(error_of(head + "start = [0.5, 0.25, 0.25]\n" + body) ==
        "model.toml:4: start: expected 2 probabilities, got 3");
  CHECK(error_of(head + "start = [-0.5, 1.5]\n" + body) ==
        "model.toml:4: start: probability of state a must be finite and >= 0, got -0.5");
  CHECK(error_of(head + "start = [\n  0.5,\n  0.6,\n]\n" + body) ==
        "model.toml:4: start: start probabilities sum to 1.1, not 1");
  CHECK(error_of(head + "start = [0.5, \"half\"]\n" + body) ==
        "model.toml:4: start: expected a number");
  CHECK(error_of(head + "start = \"c\"\n" + body) ==
        "model.toml:4: start: unknown state 'c'; did you mean 'a'? (known: a, b)");
}

TEST_CASE("a TOML byte order mark is skipped, and names in messages are escaped and cut") {
  const std::string text =
      "gamma = 0.9\nstates = [\"a\", \"b\"]\nactions = 1\nstart = \"b\"\n"
      "[[transition]]\nfrom = \"*\"\naction = 0\nto = \"a\"\np = 1.0\n";
  const Mdp plain = parse(text);
  const Mdp marked = parse("\xEF\xBB\xBF" + text);
  CHECK(marked.state_names() == plain.state_names());
  CHECK(marked.rho() == plain.rho());
  CHECK(error_of("gamma = 0.9\nstates = [\"a\", \"a\\uFEFF\", \"a\\uFEFF\"]\nactions = 1\n") ==
        "model.toml:2: states: duplicate name 'a\\xEF\\xBB\\xBF'");
  CHECK(error_of(text + "[[reward]]\nfrom = \"" + std::string(200, 'r') +
                 "\"\naction = 0\nvalue = 1\n")
            .starts_with("model.toml:11: reward.from: unknown state '" + std::string(57, 'r') +
                         "...' (200 bytes); (known: a, b)"));
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / "tabrl_toml_test" / "x.toml";
  std::filesystem::create_directories(directory);
  CHECK(tabrl::testing::input_error_of([&] { read_mdp_file(directory.string()); }) ==
        directory.string() + ": is a directory");
  std::filesystem::remove_all(directory.parent_path());
}

TEST_CASE("suggestions show names escaped, and long lists cut") {
  const std::string head = "gamma = 0.9\nactions = 1\n";
  CHECK(error_of(head + "states = [\"go\\u0001\", \"a\\u200Bb\"]\nstart = \"go\"\n") ==
        "model.toml:4: start: unknown state 'go'; did you mean 'go\\x01'? (known: go\\x01, "
        "a\\xE2\\x80\\x8Bb)");
  std::string names = "\"s0\"";
  for (int s = 1; s < 30; ++s) names += ", \"s" + std::to_string(s) + "\"";
  CHECK(error_of(head + "states = [" + names + "]\nstart = \"s31x\"\n") ==
        "model.toml:4: start: unknown state 's31x'; did you mean 's1'? (known: s0, s1, s2, s3, s4, "
        "s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, ... (30 in all))");
  // A huge name is not compared character by character with every known one.
  CHECK(
      error_of(head + "states = [" + names + "]\nstart = \"" + std::string(1'000'000, 's') + "\"\n")
          .ends_with("(1000000 bytes); (known: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, "
                     "s12, s13, s14, s15, s16, s17, s18, s19, ... (30 in all))"));
}
