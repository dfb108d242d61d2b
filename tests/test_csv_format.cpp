// The long CSV MDP format.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/optimal.hpp"
#include "mdps/csv_format.hpp"
#include "mdps/registry.hpp"

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
  const Mdp mdp = read_csv_mdp("# gamma = 0.5\n# start = 1\nfrom,action,to,probability,reward\n"
                               "0,0,1,1,0\n1,0,1,1,2\n",
                               "model.csv");
  CHECK_FALSE(mdp.has_state_names());
  CHECK(mdp.rho()[1] == 1.0);
  CHECK(solve_optimal(mdp).v[1] == doctest::Approx(4.0));
}

TEST_CASE("CSV errors carry file, line and field") {
  const std::string head = "# gamma = 0.9\nfrom,action,to,probability,reward\n";
  CHECK(error_of("from,action,to,probability,reward\na,x,a,1,0\n") ==
        "model.csv: gamma: missing '# gamma = ...' line before the header");
  CHECK(error_of("# gamma = 0.9\nfrom,act,to,p,r\n") ==
        "model.csv:2: header: expected 'from,action,to,probability,reward', found 'from,act,to,p,r'");
  CHECK(error_of(head + "a,x,a,1\n") == "model.csv:3: row: expected 5 fields, found 4");
  CHECK(error_of(head + "a,x,a,one,0\n") == "model.csv:3: probability: expected a number, found 'one'");
  CHECK(error_of(head + "a,x,a,0.5,0\na,x,b,0.4,0\nb,x,b,1,0\n") ==
        "model.csv:4: row: transition row (state a, action x) sums to 0.9, not 1");
  CHECK(error_of(head + "a,x,a,1,0\na,x,a,1,0\n") ==
        "model.csv:4: row: transition (a, x) -> a already given on line 3");
  CHECK(error_of(head + "a,x,b,1,0\nb,y,b,1,0\n") ==
        "model.csv:4: row: no transition probabilities given for (state a, action y)");
  CHECK(error_of("# gamma = 0.9\n# states = a\nfrom,action,to,probability,reward\na,x,b,1,0\n") ==
        "model.csv:4: row: unknown state 'b' (not in the '# states' / '# actions' list)");
  CHECK(error_of("# gama = 0.9\n") == "model.csv:1: gama: unknown setting (known: gamma, start, states, actions)");
  // Found by the fuzzer: a second '# actions' line once changed the count under the reader's feet.
  CHECK(error_of("# gamma = 0\n# actions = x\n# actions = 0 1\n") ==
        "model.csv:3: actions: given twice");
  // Found by the fuzzer: one index of 8 million must not allocate 8 million empty rows.
  CHECK(error_of(head + "0,0,1,1,1\n08333333,0,1,1,1\n") ==
        "model.csv:4: row: 8333334 states x 1 actions need at least 8333334 rows, the file has 2 "
        "(numbered states or actions run from 0 to the largest index)");
  CHECK(error_of(std::string("# gamma = 0.9\n\0\n", 16)) == "model.csv:2: syntax: unexpected NUL byte (is this a text file?)");
}
