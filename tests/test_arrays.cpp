// MDPs from arrays in memory (mdps/arrays.hpp, the Python module's Mdp.from_arrays): the same
// model as the TOML reader's from the same numbers, dense and compressed rows alike, and the
// readers' messages with the array and index in place of the file and line. The Python tests
// (tests/python/test_mdp.py) cover the module's side.
#include <doctest/doctest.h>

#include <limits>
#include <span>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/mdps/arrays.hpp>
#include <tabrl/mdps/toml_format.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

// Two states, two actions: action 0 stays, action 1 moves with probability 0.75.
struct TwoStates {
  std::vector<double> dense = {1, 0, 0.25, 0.75, 0, 1, 0.75, 0.25};
  std::vector<std::int64_t> row_starts = {0, 1, 3, 4, 6};
  std::vector<std::int64_t> columns = {0, 1, 0, 1, 0, 1};
  std::vector<double> values = {1, 0.75, 0.25, 1, 0.75, 0.25};  // row 1 out of order
  std::vector<double> rewards = {0, 0.5, 1, 2};
  std::vector<double> rho = {0.5, 0.5};

  MdpArrays dense_arrays() const {
    return {.num_states = 2,
            .num_actions = 2,
            .gamma = 0.9,
            .dense_transitions = dense,
            .rewards = rewards,
            .rho = rho};
  }
  MdpArrays sparse_arrays() const {
    return {.num_states = 2,
            .num_actions = 2,
            .gamma = 0.9,
            .row_starts = row_starts,
            .columns = columns,
            .values = values,
            .rewards = rewards,
            .rho = rho};
  }
};

constexpr const char* kToml = R"(
gamma = 0.9
states = 2
actions = 2
start = [0.5, 0.5]
rewards = [[0, 0.5], [1, 2]]
[dense]
"0" = [[1, 0], [0, 1]]
"1" = [[0.25, 0.75], [0.75, 0.25]]
)";

void check_same(const Mdp& a, const Mdp& b) {
  CHECK(a.gamma() == b.gamma());
  CHECK(a.rho() == b.rho());
  CHECK(a.rewards() == b.rewards());
  CHECK(a.transitions().toDense() == b.transitions().toDense());
  CHECK(a.transitions().nonZeros() == b.transitions().nonZeros());
}

std::string error_of(const MdpArrays& arrays) {
  return tabrl::testing::input_error_of([&] { mdp_from_arrays(arrays); });
}

}  // namespace

TEST_CASE("dense and compressed rows give the TOML reader's model") {
  const TwoStates two;
  const Mdp from_file = read_toml_mdp(kToml, "model.toml");
  check_same(mdp_from_arrays(two.dense_arrays()), from_file);
  check_same(mdp_from_arrays(two.sparse_arrays()), from_file);
}

TEST_CASE("rewards r(s, a, s') are reduced with P as the readers reduce them") {
  const TwoStates two;
  MdpArrays arrays = two.dense_arrays();
  // r(s, a, s') = s' + 10 a: reduced to sum_s' P r; a row with one value everywhere keeps it.
  const std::vector<double> per_next = {0, 1, 10, 11, 0, 1, 10, 11};
  arrays.rewards = per_next;
  const Mdp mdp = mdp_from_arrays(arrays);
  CHECK(mdp.rewards()(0, 0) == 0.0);
  CHECK(mdp.rewards()(0, 1) == doctest::Approx(0.25 * 10 + 0.75 * 11));
  CHECK(mdp.rewards()(1, 0) == 1.0);
  CHECK(mdp.rewards()(1, 1) == doctest::Approx(0.75 * 10 + 0.25 * 11));
}

TEST_CASE("errors name the array and index, with the readers' messages") {
  const TwoStates two;
  TwoStates bad = two;
  bad.dense[3] = 0.5;  // P[0, 1, :] sums to 0.75
  CHECK(error_of(bad.dense_arrays()) ==
        "P[0, 1, :]: transition row (state 0, action 1) sums to 0.75, not 1");
  bad = two;
  bad.values[2] = 0.0;  // row 1 = (state 0, action 1) of the compressed rows sums to 0.75
  CHECK(error_of(bad.sparse_arrays()) ==
        "P[1, :]: transition row (state 0, action 1) sums to 0.75, not 1");
  bad = two;
  bad.dense[6] = -0.25;
  bad.dense[7] = 1.25;
  CHECK(error_of(bad.dense_arrays()) ==
        "P[1, 1, :]: probability -0.25 of (state 1, action 1) -> 0 is outside [0, 1]");
  bad = two;
  bad.columns[0] = 2;
  CHECK(error_of(bad.sparse_arrays()) ==
        "P[0, :]: column index 2 is out of range (2 states, numbered from 0)");
  bad = two;
  bad.rewards[3] = std::numeric_limits<double>::quiet_NaN();
  CHECK(error_of(bad.dense_arrays()) == "r[1, 1]: reward of state 1, action 1 is not finite: nan");
  bad = two;
  bad.rho = {0.5, 0.25};
  CHECK(error_of(bad.dense_arrays()) == "rho: start probabilities sum to 0.75, not 1");
  MdpArrays arrays = two.dense_arrays();
  arrays.gamma = 1.0;
  CHECK(error_of(arrays) == "gamma: discount must be in [0, 1), got 1");
  arrays = two.dense_arrays();
  arrays.state_names = {"a", "a"};
  CHECK(error_of(arrays) == "states: duplicate name 'a'");
  arrays.state_names = {"a"};
  CHECK(error_of(arrays) == "states: expected 2 names, got 1");
  arrays = two.dense_arrays();
  arrays.rewards = std::span<const double>(two.rewards).first(3);
  CHECK(error_of(arrays) == "r: expected 4 values (S x A) or 8 (S x A x S), got 3");
}
