// The algorithm registry (algorithms/registry.hpp): specs, step sizes and their errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/mdps/builtin.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;
using tabrl::testing::registered_names;

namespace {

// The entry's name with a valid value for each required parameter (npg_entropy's tau): 1 when
// the range allows it, else a value inside the range.
std::string spec_with_required_parameters(const AlgorithmEntry& entry) {
  Spec spec{.name = entry.name};
  for (const ParameterInfo& parameter : entry.parameters) {
    if (!parameter.default_value.empty()) continue;
    const ParameterRange& range = parameter.range;
    double value = 1.0;
    if (!range.contains(value)) {
      value = std::isfinite(range.low) && std::isfinite(range.high) ? (range.low + range.high) / 2
              : std::isfinite(range.low)                            ? range.low + 1.0
                                                                    : range.high - 1.0;
    }
    spec = spec.with(parameter.name, format_number(value));
  }
  return spec.to_string();
}

}  // namespace

TEST_CASE("every registered algorithm builds from its name and a step size, and names itself") {
  const Mdp mdp = make_five_by_five();
  for (const AlgorithmEntry& entry : algorithm_registry()) {
    CAPTURE(entry.name);
    CHECK_FALSE(entry.description.empty());
    CHECK_FALSE(entry.reference.empty());
    const std::string spec = spec_with_required_parameters(entry);
    const auto rule = make_algorithm(spec, entry.takes_step_size ? "0.01" : "", mdp);
    CHECK(rule->name() == entry.name);
    CHECK(find_algorithm(entry.name).name == entry.name);
    for (const StepSizeRule& step_rule : entry.step_rules) {
      if (step_rule.name == "gap") continue;  // bandits only
      CHECK_NOTHROW(make_algorithm(spec, step_rule.name, mdp));
    }
    // The rule's columns are among those the entry declares (a sweep's curves.csv has those).
    for (const std::string& name : rule->diagnostic_names()) {
      CHECK(std::find(entry.diagnostics.begin(), entry.diagnostics.end(), name) !=
            entry.diagnostics.end());
    }
  }
}

TEST_CASE("named step rules resolve against the MDP") {
  const Mdp mdp = make_five_by_five();
  const auto safe = make_algorithm("spma", "safe", mdp);
  CHECK(safe->nominal_step_size() == doctest::Approx(0.99 * spma_safe_step(mdp)));
  CHECK(make_algorithm("spg", "theory", mdp)->nominal_step_size() ==
        doctest::Approx(spg_theory_step(mdp)));
  const Mdp bandit = make_bandit({0.2, 0.5, 0.9});
  CHECK(make_algorithm("spma", "gap", bandit)->theory_bound(bandit) ==
        TheoryBound::spma_bandit_gap);
  // A rule whose step is out of range on this MDP (a subnormal reward range makes 1/R infinite)
  // says which rule on which MDP.
  const Mdp tiny = make_bandit({0.0, 5e-324});
  const std::string error =
      tabrl::testing::input_error_of([&] { make_algorithm("spma", "safe", tiny); });
  CHECK(error.find("step_size: the 'safe' step of spma on this MDP (R = ") == 0);
  CHECK(error.find("must be > 0 and finite, got inf; give the step as a number") !=
        std::string::npos);
}

TEST_CASE("spec parameters reach the rule's options") {
  const Mdp mdp = make_five_by_five();
  const auto rule = make_algorithm("spma(clip=true, clip_floor=1e-3)", "2", mdp);
  const auto& spma = dynamic_cast<const Spma&>(*rule);
  CHECK(spma.options().clip);
  CHECK(spma.options().clip_floor == 1e-3);
  CHECK(spma.options().step_size == 2.0);
}

TEST_CASE("bad algorithm specs and step sizes are refused with the field and the choices") {
  const Mdp mdp = make_five_by_five();
  CHECK(registered_names().find("spma, npg, spg") == 0);
  CHECK(input_error_of([&] { make_algorithm("spam", "1", mdp); }) ==
        "algo: unknown algorithm 'spam'; did you mean 'spma'? (known: " + registered_names() + ")");
  CHECK(input_error_of([&] { make_algorithm("adam", "1", mdp); }) ==
        "algo: unknown algorithm 'adam' (known: " + registered_names() + ")");
  CHECK(input_error_of([&] { make_algorithm("spma", "", mdp); }) ==
        "step_size: spma needs a step size: a number > 0, safe, gap");
  CHECK(input_error_of([&] { make_algorithm("npg", "theory", mdp); }) ==
        "step_size: 'theory' is not a step size of npg: expected a number > 0 or one of "
        "safe");
  CHECK(input_error_of([&] { make_algorithm("spg", "1e400", mdp); }) ==
        "step_size: '1e400' (beyond the range of a double) is not a step size of spg: expected a "
        "number > 0 or one of theory");
  CHECK(input_error_of([&] { make_algorithm("spg", "-1", mdp); }) ==
        "step_size: must be > 0 and finite, got -1");
  CHECK(input_error_of([&] { make_algorithm("npg(clip=true)", "1", mdp); }) ==
        "npg.clip: unknown parameter of npg 'clip' (known: schedule)");
  CHECK(input_error_of([&] { make_algorithm("spma(clip_floor=0.1)", "1", mdp); }) ==
        "spma.clip_floor: applies only with clip=true");
  CHECK(input_error_of([&] { make_algorithm("spma(clip=maybe)", "1", mdp); }) ==
        "spma.clip: expected true or false, got 'maybe'");
  // Without an MDP, as a sweep config is checked.
  CHECK(input_error_of([] { check_algorithm("spma(clip=maybe)", "1", false); }) ==
        "spma.clip: expected true or false, got 'maybe'");
  CHECK(input_error_of([] { check_algorithm("spma", "fast", false); }).find("one of safe, gap") !=
        std::string::npos);
  CHECK_NOTHROW(check_algorithm("spma(clip=true)", "safe", false));
  CHECK(input_error_of([] { check_algorithm("spma", "gap", false); }) ==
        "step_size: the 'gap' step of spma is defined for bandits (one state, gamma = 0) only");
  CHECK_NOTHROW(check_algorithm("spma", "gap", true));
  CHECK(resolved_algorithm_spec("spma(clip_floor=1e-3,clip=1)") ==
        "spma(clip=true,clip_floor=0.001,schedule=constant)");
  CHECK(resolved_algorithm_spec("spma") == "spma(clip=false,clip_floor=1e-08,schedule=constant)");
  CHECK(resolved_algorithm_spec("spma(clip_floor=0.00000001)") == resolved_algorithm_spec("spma"));
  CHECK(resolved_algorithm_spec("npg") == "npg(schedule=constant)");
  // Every method with a step has a schedule; a geometric one is refused for bandits.
  CHECK(input_error_of([&] {
          check_algorithm("npg(schedule=geometric)", "1", true);
        }).find("npg.schedule: geometric steps") == 0);
  CHECK_NOTHROW(check_algorithm("spg(schedule=geometric)", "1", false));
  CHECK(input_error_of([&] {
          check_algorithm("spg(schedule=sometimes)", "1", false);
        }).find("spg.schedule: unknown value 'sometimes'") == 0);
}
