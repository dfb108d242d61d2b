// The Cassandra .mdp reader: every supported form on hand-written files, and malformed files
// with their expected message and line.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/cassandra.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

Mdp parse(const std::string& text) {
  std::istringstream input(text);
  return read_cassandra(input, "model.mdp");
}

std::string error_of(const std::string& text) {
  return tabrl::testing::input_error_of([&] { parse(text); });
}

std::string error_of_file(const std::string& path) {
  return tabrl::testing::input_error_of([&] { read_cassandra_file(path); });
}

double p(const Mdp& mdp, Index s, Index a, Index next) {
  return mdp.transitions().coeff(mdp.transition_row(s, a), next);
}

constexpr const char* kPreamble = R"(discount: 0.9
values: reward
states: 3
actions: 2
)";

}  // namespace

TEST_CASE("counts, single entries, defaults and comments") {
  const Mdp mdp = parse(std::string(kPreamble) + R"(
# every action moves right, wrapping around
T: * : 0 : 1 1.0
T: * : 1 : 2 1.0
T: * : 2 : 0 1.0   # the last state wraps
R: 1 : * : * 2.5
)");
  CHECK(mdp.num_states() == 3);
  CHECK(mdp.num_actions() == 2);
  CHECK(mdp.gamma() == 0.9);
  CHECK_FALSE(mdp.has_state_names());
  CHECK(p(mdp, 2, 1, 0) == 1.0);
  CHECK(mdp.rewards()(0, 0) == 0.0);  // unspecified rewards are 0
  CHECK(mdp.rewards()(2, 1) == 2.5);
  CHECK(mdp.rho() == Vector::Constant(3, 1.0 / 3.0));  // no start: uniform
}

TEST_CASE("names, rows, matrices, uniform and identity") {
  const Mdp mdp = parse(R"(discount: 0.5 values: reward
states: left middle right
actions: stay
  jump
T: stay identity
T: jump uniform
T: jump : middle
  0.25 0.5
  0.25
T: jump : right 0.0 1.0 0.0
)");
  CHECK(mdp.state_names() == std::vector<std::string>{"left", "middle", "right"});
  CHECK(mdp.action_names() == std::vector<std::string>{"stay", "jump"});
  CHECK(p(mdp, 0, 0, 0) == 1.0);
  CHECK(p(mdp, 1, 0, 1) == 1.0);
  CHECK(p(mdp, 0, 1, 2) == doctest::Approx(1.0 / 3.0));
  CHECK(p(mdp, 1, 1, 1) == 0.5);
  CHECK(p(mdp, 2, 1, 1) == 1.0);
  CHECK(p(mdp, 2, 1, 0) == 0.0);
}

TEST_CASE("a full transition matrix per action, and later lines override earlier ones") {
  const Mdp mdp = parse(std::string(kPreamble) + R"(
T: 0
0.5 0.5 0.0
0.0 0.5 0.5
0.5 0.0 0.5
T: 1 uniform
T: 1 : 2 : 2 0.0
T: 1 : 2 : 0 0.5
T: 1 : 2 : 1 0.5
T: 0 : 1 : * 0.0
T: 0 : 1 : 0 1.0
)");
  CHECK(p(mdp, 0, 0, 1) == 0.5);
  CHECK(p(mdp, 2, 0, 2) == 0.5);
  CHECK(p(mdp, 0, 1, 1) == doctest::Approx(1.0 / 3.0));
  CHECK(p(mdp, 2, 1, 2) == 0.0);
  CHECK(p(mdp, 2, 1, 0) == 0.5);
  CHECK(p(mdp, 1, 0, 0) == 1.0);
  CHECK(p(mdp, 1, 0, 2) == 0.0);
}

TEST_CASE("rewards r(s, a, s') in every form are reduced with P and override entry by entry") {
  const Mdp mdp = parse(std::string(kPreamble) + R"(
T: * uniform
R: * : * : * 1.0          # baseline everywhere
R: 0 : 0 : 2 4.0          # one entry
R: 0 : 1 : 0 : * -2.0     # POMDP-style observation wildcard
R: 1 : 2  3.0 6.0 9.0     # a row over s'
R: 1
1 1 1
2 2 2
0 0 3
R: 1 : 2 : 1 0.0
)");
  CHECK(mdp.rewards()(0, 0) == doctest::Approx((1.0 + 1.0 + 4.0) / 3.0));
  CHECK(mdp.rewards()(1, 0) == doctest::Approx((-2.0 + 1.0 + 1.0) / 3.0));
  CHECK(mdp.rewards()(2, 0) == doctest::Approx(1.0));
  CHECK(mdp.rewards()(0, 1) == doctest::Approx(1.0));
  CHECK(mdp.rewards()(1, 1) == doctest::Approx(2.0));
  CHECK(mdp.rewards()(2, 1) == doctest::Approx(1.0));  // (0 + 0 + 3) / 3
}

TEST_CASE("r(s, a, s') is weighed with the row the model stores, renormalised when it is") {
  // (Cassandra's order: T: action : from : to.) The row sums to 0.999995: within the tolerance, not
  // within rounding, so the model divides it by its sum; the reward is reduced with the same row
  // (it was reduced with the row as given).
  const Mdp mdp = parse(R"(discount: 0.9 states: 2 actions: 1
T: 0 : 0 : 0 0.499995
T: 0 : 0 : 1 0.5
T: 0 : 1 : 1 1.0
R: 0 : 0 : 1 : * 10.0
)");
  const double stored = mdp.transitions().coeff(0, 1);
  CHECK(stored == doctest::Approx(0.5 / 0.999995).epsilon(1e-15));
  CHECK(mdp.rewards()(0, 0) == doctest::Approx(10.0 * stored).epsilon(1e-15));
  CHECK(mdp.rewards()(0, 0) != doctest::Approx(5.0).epsilon(1e-7));
}

TEST_CASE("values: cost negates the rewards") {
  const Mdp mdp = parse(R"(discount: 0.9 values: cost states: 1 actions: 2
T: * identity
R: 0 : * : * 3.0
)");
  CHECK(mdp.rewards()(0, 0) == -3.0);
  CHECK(mdp.rewards()(0, 1) == 0.0);
}

TEST_CASE("every start form") {
  const std::string body = R"(discount: 0.9 states: a b c d actions: 1
T: 0 identity
)";
  const auto start_of = [&](const std::string& start) {
    return parse(std::string("discount: 0.9 states: a b c d actions: 1\n") + start +
                 "\nT: 0 identity\n")
        .rho();
  };
  CHECK(start_of("start: uniform") == Vector::Constant(4, 0.25));
  CHECK(start_of("start: c") == Vector::Unit(4, 2));
  CHECK(start_of("start: 3") == Vector::Unit(4, 3));
  Vector given(4);
  given << 0.1, 0.2, 0.3, 0.4;
  CHECK(start_of("start: 0.1 0.2 0.3 0.4").isApprox(given, 1e-15));
  Vector included(4);
  included << 0.5, 0.0, 0.5, 0.0;
  CHECK(start_of("start include: a c").isApprox(included, 1e-15));
  Vector excluded(4);
  excluded << 0.0, 0.5, 0.0, 0.5;
  CHECK(start_of("start exclude: a c").isApprox(excluded, 1e-15));
  CHECK(parse(body).rho() == Vector::Constant(4, 0.25));
}

TEST_CASE("the 5x5 MDP written as full matrices has the reference J*") {
  const Mdp reference = make_five_by_five();
  std::ostringstream text;
  text.precision(17);
  text << "discount: 0.9\nvalues: reward\nstates: s1 s2 s3 s4 s5\nactions: a1 a2 a3 a4 a5\n"
       << "start: 0.3 0.2 0.1 0.15 0.25\n";
  for (Index a = 0; a < 5; ++a) {
    text << "T: a" << a + 1 << "\n";
    for (Index s = 0; s < 5; ++s) {
      for (Index next = 0; next < 5; ++next) text << ' ' << p(reference, s, a, next);
      text << '\n';
    }
  }
  for (Index s = 0; s < 5; ++s) {
    for (Index a = 0; a < 5; ++a) {
      text << "R: a" << a + 1 << " : s" << s + 1 << " : * " << reference.rewards()(s, a) << "\n";
    }
  }
  const Mdp mdp = parse(text.str());
  CHECK(solve_optimal(mdp).objective == doctest::Approx(9.408398506373334).epsilon(1e-13));
}

TEST_CASE("malformed files fail with file, line, statement and reason") {
  const std::string pre = kPreamble;  // four lines
  CHECK(error_of(pre + "T: * uniform\nT: 0 : 5 : 1 1.0\n") ==
        "model.mdp:6: T: state index 5 is out of range (3 states, numbered from 0)");
  CHECK(error_of(pre + "T: * uniform\nT: 0 : nowhere : 1 1.0\n") ==
        "model.mdp:6: T: unknown state 'nowhere'");
  CHECK(error_of(pre + "T: * uniform\nT: fly : 0 : 1 1.0\n") ==
        "model.mdp:6: T: unknown action 'fly'");
  CHECK(error_of(pre + "T: * uniform\nT: 1 : 2\n 0.5 0.4 0.0\n") ==
        "model.mdp:6: T: transition row (state 2, action 1) sums to 0.9, not 1");
  CHECK(error_of(pre + "T: 0 uniform\n") ==
        "model.mdp:5: T: no transition probabilities given for (state 0, action 1)");
  CHECK(error_of(pre + "T: * uniform\nT: 1 : 2 0.5 0.5\nR: * : * : * 1.0\n") ==
        "model.mdp:6: T: expected a row of 3 probabilities or 'uniform', found 2 numbers");
  CHECK(error_of(pre + "T: * uniform\nT: 1 : 2 : 0 1.5\n") ==
        "model.mdp:6: T: probability 1.5 is outside [0, 1]");
  CHECK(error_of(pre + "T: * uniform\nT: 1 : 2 1.5 -0.5 0\n") ==
        "model.mdp:6: T: probability 1.5 of (state 2, action 1) -> 0 is outside [0, 1]");
  CHECK(error_of(pre + "T: 0\n 1 0 0\n 0 1 0\n") ==
        "model.mdp:5: T: expected a 3 x 3 matrix, 'uniform' or 'identity', found 6 numbers");
  CHECK(error_of(pre + "T: * uniform\nR: 0 : 1 : 2 : obs 1.0\n") ==
        "model.mdp:6: R: observation-dependent rewards belong to POMDPs; only '*' is accepted "
        "here, found 'obs'");
  CHECK(error_of(pre + "T: * uniform\nR: 0 : 1 1.0 2.0\n") ==
        "model.mdp:6: R: expected a row of S values (3 numbers), found 2");
  CHECK(error_of(pre + "T: * uniform\nR: 0 : 1 : 2\n") ==
        "model.mdp:6: R: expected one value, found 0");
  CHECK(error_of("discount: 0.9\nstates: 2\nT: 0 identity\n") ==
        "model.mdp:3: T: appears before the 'actions:' declaration");
  CHECK(error_of("states: 2\nactions: 1\nT: 0 identity\n") ==
        "model.mdp:3: discount: missing 'discount:' statement");
  CHECK(error_of("discount: 1.0\nstates: 2\n") ==
        "model.mdp:1: discount: must be in [0, 1) for a discounted MDP, got 1.0");
  CHECK(error_of("discount: 0.9\nvalues: profit\n") ==
        "model.mdp:2: values: expected 'reward' or 'cost', found 'profit'");
  CHECK(error_of("discount: 0.9\nstates: a b a\n") == "model.mdp:2: states: duplicate name 'a'");
  CHECK(error_of("discount: 0.9\nstates: a uniform\n") ==
        "model.mdp:2: states: 'uniform' is a reserved word");
  CHECK(
      error_of("discount: 0.9\nstates: 3\nobservations: 2\n") ==
      "model.mdp:3: observations: observations belong to POMDP files; tabrl reads the MDP subset");
  CHECK(error_of("discount: 0.9\nstates: 2\nstart: 0.5 0.25 0.25\n") ==
        "model.mdp:3: start: expected 'uniform', a state, or 2 probabilities; found 3 numbers");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstart: 0.5 0.6\nT: 0 identity\n") ==
        "model.mdp:4: start: start probabilities sum to 1.1, not 1");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions 1\n") ==
        "model.mdp:3: actions: expected ':', found '1'");
  CHECK(error_of("discount: 0.9\nhello world\n") ==
        "model.mdp:2: syntax: expected a statement (discount:, values:, states:, actions:, "
        "start:, T:, R:), found 'hello'");
  CHECK(error_of("discount: 0.9\n\x01\x02\n") ==
        "model.mdp:2: syntax: unexpected control byte 0x01 (is this a text file?)");
  CHECK(error_of("") == "model.mdp: discount: missing 'discount:' statement");
  CHECK(error_of("discount: 0.9\nstates: 999999999999\n") ==
        "model.mdp:2: states: the count 999999999999 exceeds this reader's limit of 4000000");
  CHECK(error_of("discount: 0.9\nstates: 2000000\nactions: 3\n") ==
        "model.mdp:3: actions: 2000000 states x 3 actions exceed this reader's limit of 4000000 "
        "state-action pairs");
  CHECK(error_of("discount: 0.9\nstates: 100000\nactions: 2\nT: * uniform\n") ==
        "model.mdp:4: T: this statement expands to 200000 x 100000 entries, beyond this reader's "
        "limit of 100000000");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nT: 0 : 1 : 1") ==
        "model.mdp:4: T: expected a probability, found end of file");
}

TEST_CASE("a number may carry a '+', but only before its digits") {
  const std::string head = "discount: +0.5\nstates: 2\nactions: 1\nT: 0 identity\n";
  CHECK(parse(head + "R: 0 : 0 : * +2\n").rewards()(0, 0) == 2.0);
  // "+-1" once read as -1.
  CHECK(error_of(head + "R: 0 : 0 : * +-1\n") ==
        "model.mdp:5: R: expected one value, found 0 before '+-1'");
  // A number beyond a double's range says so.
  CHECK(
      error_of(head + "R: 0 : 0 : * 1e400\n") ==
      "model.mdp:5: R: expected one value, found 0 before '1e400' (beyond the range of a double)");
  CHECK(error_of("discount: 1e-999\nstates: 2\nactions: 1\nT: 0 identity\n") ==
        "model.mdp:1: discount: expected a number, found '1e-999' (beyond the range of a double)");
  CHECK(error_of(head + "T: 0 : 0 : 1 -1e-400\n") ==
        "model.mdp:5: T: expected a probability, found '-1e-400' (beyond the range of a double)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstart: 1e-400 1\nT: 0 identity\n") ==
        "model.mdp:4: start: unknown state '1e-400' (beyond the range of a double)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstart: 1 1e-400\nT: 0 identity\n") ==
        "model.mdp:4: syntax: expected a statement (discount:, values:, states:, actions:, "
        "start:, T:, R:), found '1e-400' (beyond the range of a double)");
  // A '+' is read here, so +1e400 is a number beyond the range too.
  CHECK(error_of("discount: +1e400\nstates: 2\nactions: 1\nT: 0 identity\n") ==
        "model.mdp:1: discount: expected a number, found '+1e400' (beyond the range of a double)");
}

TEST_CASE("a missing file or a directory is reported by name") {
  CHECK_THROWS_WITH_AS(read_cassandra_file("/nonexistent/model.mdp"),
                       "/nonexistent/model.mdp: no such file", InputError);
  const std::filesystem::path directory =
      std::filesystem::temp_directory_path() / "tabrl_cassandra_test" / "x.mdp";
  std::filesystem::create_directories(directory);
  CHECK(error_of_file(directory.string()) == directory.string() + ": is a directory");
  std::filesystem::remove_all(directory.parent_path());
}

TEST_CASE("mutated and truncated files either load or fail with an InputError") {
  // A valid file exercising most forms; every mutation must end in a clean outcome.
  const std::string seed_file = R"(discount: 0.9 values: cost
states: a b c
actions: 2
start include: a c
T: 0 identity
T: 1 : a 0.5 0.5 0.0
T: 1 : b : * 0.0
T: 1 : b : c 1.0
T: 1 : c uniform
R: * : * : * 1.5
R: 1 : a 1 2 3
R: 0
1 2 3
4 5 6
7 8 9
)";
  REQUIRE_NOTHROW(parse(seed_file));
  Random random(2026);
  const std::string alphabet = ":*#.-+0123456789abcTRe \n\t\x01";
  int loaded = 0, rejected = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::string text = seed_file;
    const int edits = 1 + static_cast<int>(random.index(4));
    for (int edit = 0; edit < edits && !text.empty(); ++edit) {
      const auto position = static_cast<std::size_t>(random.index(text.size()));
      switch (random.index(4)) {
        case 0:
          text[position] = alphabet[random.index(alphabet.size())];
          break;
        case 1:
          text.erase(position, 1 + random.index(8));
          break;
        case 2:
          text.insert(position, 1, alphabet[random.index(alphabet.size())]);
          break;
        default:
          text.resize(position);  // truncation
      }
    }
    try {
      parse(text);
      ++loaded;
    } catch (const InputError& error) {
      CHECK(std::string(error.what()).rfind("model.mdp", 0) == 0);
      ++rejected;
    }
  }
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}

namespace {

// Every error of a file in collecting mode (as `tabrl mdp validate` reads it).
std::vector<std::string> all_errors(const std::string& text) {
  std::istringstream input(text);
  return tabrl::testing::collected_errors(
      [&](ErrorList* errors) { read_cassandra(input, "model.mdp", {}, errors); });
}

}  // namespace

TEST_CASE("a repeated setting is an error naming both lines") {
  // The reproduction: a second discount once silently replaced the first.
  CHECK(error_of("# a model\ndiscount: 0.9\nvalues: reward\nstates: 2\nactions: 1\n"
                 "T: 0 identity\ndiscount: 0.5\n") ==
        "model.mdp:7: discount: given twice (first at line 2)");
  const std::string body = "T: 0 identity\n";
  CHECK(error_of("discount: 0.9\nvalues: cost\nvalues: reward\nstates: 2\nactions: 1\n" + body) ==
        "model.mdp:3: values: given twice (first at line 2)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstates: 2\n" + body) ==
        "model.mdp:4: states: given twice (first at line 2)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\n" + body + "actions: a b\n") ==
        "model.mdp:5: actions: given twice (first at line 3)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstart: 0\nstart: uniform\n" + body) ==
        "model.mdp:5: start: given twice (first at line 4)");
  CHECK(error_of("discount: 0.9\nstates: 2\nactions: 1\nstart include: 0\nstart exclude: 1\n" +
                 body) == "model.mdp:5: start: given twice (first at line 4)");
}

TEST_CASE("later T: and R: lines override earlier wildcard lines, as the format defines") {
  const Mdp mdp = parse(std::string(kPreamble) + R"(
T: * uniform
T: * : * : * 0.0
T: * : * : 0 1.0
T: 1 : 2 : 0 0.5
T: 1 : 2 : 2 0.5
T: 1 : 2 : 2 0.5
R: * : * : * 1.0
R: * : * : * 2.0
R: 1 : 2 : 2 3.0
)");
  CHECK(p(mdp, 1, 0, 0) == 1.0);
  CHECK(p(mdp, 1, 0, 1) == 0.0);
  CHECK(p(mdp, 2, 1, 0) == 0.5);
  CHECK(p(mdp, 2, 1, 2) == 0.5);
  CHECK(mdp.rewards()(0, 0) == 2.0);
  CHECK(mdp.rewards()(2, 1) == doctest::Approx(2.5));
}

TEST_CASE("start errors carry their line") {
  const std::string head = "discount: 0.9\nstates: 2\nactions: 1\n";
  const std::string body = "\nT: 0 identity\n";
  CHECK(error_of(head + "start: 0.5 0.25 0.25" + body) ==
        "model.mdp:4: start: expected 'uniform', a state, or 2 probabilities; found 3 numbers");
  CHECK(error_of(head + "start: -0.5 1.5" + body) ==
        "model.mdp:4: start: probability of state 0 must be finite and >= 0, got -0.5");
  CHECK(error_of(head + "start:\n 0.5\n 0.6" + body) ==
        "model.mdp:4: start: start probabilities sum to 1.1, not 1");
  CHECK(error_of(head + "start: 0.5 half" + body) ==
        "model.mdp:4: start: expected 'uniform', a state, or 2 probabilities; found 1 number "
        "before 'half'");
  CHECK(error_of(head + "start: nowhere" + body) == "model.mdp:4: start: unknown state 'nowhere'");
}

TEST_CASE("a byte order mark at the start is skipped") {
  const std::string text =
      "discount: 0.9\nstates: a b\nactions: go\nT: go : a : b 1.0\n"
      "T: go : b : a 1.0\nR: go : a : * 1.0\n";
  const Mdp plain = parse(text);
  const Mdp marked = parse("\xEF\xBB\xBF" + text);
  CHECK(marked.state_names() == plain.state_names());
  CHECK(marked.rewards() == plain.rewards());
  CHECK(marked.transitions().isApprox(plain.transitions(), 0.0));
  CHECK(marked.rho() == plain.rho());
  // Elsewhere the mark is part of a word, and a message shows it escaped.
  CHECK(error_of(text + "T: go : \xEF\xBB\xBF"
                        "a : b 1.0\n") == "model.mdp:7: T: unknown state '\\xEF\\xBB\\xBFa'");
}

TEST_CASE("a long token is cut in messages") {
  const std::string token(1'000'000, 'z');
  CHECK(error_of(std::string(kPreamble) + "T: 0 : " + token + " : 1 1.0\n") ==
        "model.mdp:5: T: unknown state '" + std::string(57, 'z') + "...' (1000000 bytes)");
  CHECK(error_of("discount: 0." + std::string(100, '9') + "x\n") ==
        "model.mdp:1: discount: expected a number, found '0." + std::string(55, '9') +
            "...' (103 bytes)");
}

TEST_CASE("collecting mode reports every error, statement by statement") {
  const std::vector<std::string> errors = all_errors(R"(discount: 0.9
values: reward
states: a b c
actions: go
start: 0.5 0.5
discount: 0.8
T: go : a : b 1.0
T: go : d : b 1.0
hello world
T: go : b 0.5 0.4 0.0
R: go : a : * x
T: go : c uniform
)");
  REQUIRE(errors.size() == 6);
  CHECK(errors[0] ==
        "model.mdp:5: start: expected 'uniform', a state, or 3 probabilities; found 2 numbers");
  CHECK(errors[1] == "model.mdp:6: discount: given twice (first at line 1)");
  CHECK(errors[2] == "model.mdp:8: T: unknown state 'd'");
  CHECK(errors[3] ==
        "model.mdp:9: syntax: expected a statement (discount:, values:, states:, "
        "actions:, start:, T:, R:), found 'hello'");
  CHECK(errors[4] == "model.mdp:11: R: expected one value, found 0 before 'x'");
  CHECK(errors[5] == "model.mdp:10: T: transition row (state b, action go) sums to 0.9, not 1");
}
