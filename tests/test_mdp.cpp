// Validation of the Mdp model: every rejection names the offending state, action and value.
#include <doctest/doctest.h>

#include <cmath>

#include <tabrl/core/error.hpp>
#include <tabrl/core/mdp.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/transitions.hpp>

#include "helpers.hpp"

using namespace tabrl;

namespace {

// Two states, two actions; P[s, a, :] = (1 - q, q) for every (s, a) except as modified.
MdpParts two_state_parts(double q = 0.25) {
  std::vector<TransitionEntry> entries;
  for (Index s = 0; s < 2; ++s) {
    for (Index a = 0; a < 2; ++a) {
      entries.push_back({s, a, 0, 1.0 - q});
      entries.push_back({s, a, 1, q});
    }
  }
  StateActionMatrix rewards(2, 2);
  rewards << 0.0, 1.0, 0.5, -1.0;
  return {.num_states = 2,
          .num_actions = 2,
          .gamma = 0.9,
          .rho = Vector::Constant(2, 0.5),
          .rewards = rewards,
          .transitions = make_transitions(2, 2, entries),
          .state_names = {"low", "high"},
          .action_names = {"stay", "go"}};
}

std::string error_of(MdpParts parts) {
  return tabrl::testing::input_error_of([&] { Mdp mdp(std::move(parts)); });
}

}  // namespace

TEST_CASE("a valid MDP keeps its pieces and reports its reward range") {
  const Mdp mdp(two_state_parts());
  CHECK(mdp.num_states() == 2);
  CHECK(mdp.num_actions() == 2);
  CHECK(mdp.reward_range() == doctest::Approx(2.0));
  CHECK(mdp.state_label(1) == "'high' (1)");
  CHECK(mdp.transitions().coeff(mdp.transition_row(1, 0), 1) == 0.25);
  CHECK(mdp.max_row_sum_deviation() == 0.0);
}

TEST_CASE("rows within the tolerance are renormalised exactly and the deviation is kept") {
  MdpParts parts = two_state_parts();
  parts.transitions.coeffRef(parts.transitions.rows() - 1, 1) += 4e-6;
  const Mdp mdp(std::move(parts));
  CHECK(mdp.max_row_sum_deviation() == doctest::Approx(4e-6).epsilon(1e-6));
  for (Index row = 0; row < mdp.transitions().rows(); ++row) {
    CHECK(std::abs(mdp.transitions().row(row).sum() - 1.0) < 1e-15);
  }
}

TEST_CASE("invalid models are rejected with the state, action and value named") {
  SUBCASE("row sum") {
    MdpParts parts = two_state_parts();
    parts.transitions.coeffRef(3, 0) = 0.7;  // state 'high', action 'go'
    const std::string message = error_of(std::move(parts));
    CHECK(message.find("transitions") != std::string::npos);
    CHECK(message.find("'high' (1)") != std::string::npos);
    CHECK(message.find("'go' (1)") != std::string::npos);
    CHECK(message.find("sums to 0.95, not 1") != std::string::npos);
  }
  SUBCASE("negative probability") {
    MdpParts parts = two_state_parts();
    parts.transitions.coeffRef(0, 0) = -0.25;
    parts.transitions.coeffRef(0, 1) = 1.25;
    const std::string message = error_of(std::move(parts));
    CHECK(message.find("must be finite and >= 0, got -0.25") != std::string::npos);
  }
  SUBCASE("discount") {
    MdpParts parts = two_state_parts();
    parts.gamma = 1.0;
    CHECK(error_of(std::move(parts)) == "gamma: discount must be in [0, 1), got 1");
  }
  SUBCASE("start distribution") {
    MdpParts parts = two_state_parts();
    parts.rho << 0.5, 0.6;
    CHECK(error_of(std::move(parts)).find("start probabilities sum to 1.1") != std::string::npos);
  }
  SUBCASE("non-finite reward") {
    MdpParts parts = two_state_parts();
    parts.rewards(1, 0) = std::nan("");
    const std::string message = error_of(std::move(parts));
    CHECK(message.find("reward of state 'high' (1), action 'stay' (0) is not finite") !=
          std::string::npos);
  }
  SUBCASE("duplicate names") {
    MdpParts parts = two_state_parts();
    parts.action_names = {"go", "go"};
    CHECK(error_of(std::move(parts)) == "action_names: duplicate name 'go'");
    // Of several repeated names, the one repeated first in order ('b' at index 3; 'a' sorts
    // first but repeats later, 'c' three times from index 4).
    for (const auto& [names, repeated] :
         {std::pair{std::vector<std::string>{"c", "b", "a", "b", "c", "a", "c"}, "b"},
          std::pair{std::vector<std::string>{"z", "y", "y", "z"}, "y"},
          std::pair{std::vector<std::string>{"q", "p", "q", "q"}, "q"}}) {
      std::vector<TransitionEntry> entries;
      const auto n = static_cast<Index>(names.size());
      for (Index s = 0; s < n; ++s) entries.push_back({s, 0, s, 1.0});
      MdpParts many{.num_states = n,
                    .num_actions = 1,
                    .gamma = 0.9,
                    .rho = Vector::Constant(n, 1.0 / static_cast<double>(n)),
                    .rewards = StateActionMatrix::Zero(n, 1),
                    .transitions = make_transitions(n, 1, entries),
                    .state_names = names};
      CHECK(error_of(std::move(many)) ==
            "state_names: duplicate name '" + std::string(repeated) + "'");
    }
  }
  SUBCASE("shapes") {
    MdpParts parts = two_state_parts();
    parts.rewards.resize(2, 3);
    CHECK(error_of(std::move(parts)).find("expected a 2 x 2 table, got 2 x 3") !=
          std::string::npos);
  }
}

TEST_CASE("the kernel moves from its builder into the model without a copy") {
  // Eigen's SparseMatrix alone copies on std::move; TransitionMatrix swaps its storage.
  MdpParts parts = two_state_parts();
  const double* values = parts.transitions.valuePtr();
  TransitionMatrix moved(std::move(parts.transitions));
  CHECK(moved.valuePtr() == values);
  CHECK(parts.transitions.nonZeros() == 0);
  parts.transitions = std::move(moved);
  CHECK(parts.transitions.valuePtr() == values);
  CHECK(moved.rows() == 0);  // a moved-from matrix is left empty
  CHECK(moved.nonZeros() == 0);

  MdpParts handed_on(std::move(parts));  // MdpParts' own move moves the kernel too
  CHECK(handed_on.transitions.valuePtr() == values);
  // The model keeps the storage: its validation prunes and compresses an already compressed
  // matrix in place.
  const Mdp mdp(std::move(handed_on));
  CHECK(mdp.transitions().valuePtr() == values);
  CHECK(mdp.transitions().coeff(mdp.transition_row(1, 0), 1) == 0.25);

  const TransitionMatrix copy = mdp.transitions();  // a copy still copies, value for value
  CHECK(copy.nonZeros() == mdp.transitions().nonZeros());
  CHECK(copy.isApprox(mdp.transitions(), 0.0));
}

TEST_CASE("a transition entry outside the states and actions is refused") {
  CHECK_THROWS_AS(make_transitions(2, 2, {{0, 0, 2, 1.0}}), std::out_of_range);
  CHECK_THROWS_AS(make_transitions(2, 2, {{0, 2, 1, 1.0}}), std::out_of_range);
  CHECK_THROWS_AS(make_transitions(2, 2, {{-1, 0, 1, 1.0}}), std::out_of_range);
  CHECK(make_transitions(2, 2, {{1, 1, 1, 1.0}}).nonZeros() == 1);
}

TEST_CASE("transition entries assemble into the kernel Eigen's triplets give, bit for bit") {
  // Entries in any order, with repeats of one (s, a, s') to be summed in the order given and
  // zero probabilities kept as entries, against Eigen's setFromTriplets.
  Random random(21);
  for (int trial = 0; trial < 20; ++trial) {
    CAPTURE(trial);
    const Index states = 1 + static_cast<Index>(random.index(30));
    const Index actions = 1 + static_cast<Index>(random.index(4));
    std::vector<TransitionEntry> entries;
    const auto count = random.index(static_cast<std::uint64_t>(3 * states * actions + 1));
    for (std::uint64_t k = 0; k < count; ++k) {
      const double p = random.uniform() < 0.1 ? 0.0 : random.uniform() / 3.0;
      entries.push_back({static_cast<Index>(random.index(static_cast<std::uint64_t>(states))),
                         static_cast<Index>(random.index(static_cast<std::uint64_t>(actions))),
                         static_cast<Index>(random.index(static_cast<std::uint64_t>(states))), p});
    }
    std::vector<Eigen::Triplet<double, int>> triplets;
    for (const TransitionEntry& entry : entries) {
      triplets.emplace_back(static_cast<int>(entry.state * actions + entry.action),
                            static_cast<int>(entry.next_state), entry.probability);
    }
    TransitionMatrix expected(states * actions, states);
    expected.setFromTriplets(triplets.begin(), triplets.end());
    const TransitionMatrix made = make_transitions(states, actions, entries);
    REQUIRE(made.nonZeros() == expected.nonZeros());
    CHECK(made.isCompressed());
    for (Index row = 0; row <= states * actions; ++row) {
      CHECK(made.outerIndexPtr()[row] == expected.outerIndexPtr()[row]);
    }
    for (Index k = 0; k < made.nonZeros(); ++k) {
      CHECK(made.innerIndexPtr()[k] == expected.innerIndexPtr()[k]);
      CHECK(made.valuePtr()[k] == expected.valuePtr()[k]);  // the same sums, to the bit
    }
  }
}
