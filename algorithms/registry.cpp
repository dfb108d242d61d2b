#include "registry.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <tabrl/algorithms/apg.hpp>
#include <tabrl/algorithms/gnpg.hpp>
#include <tabrl/algorithms/mdpo.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/npg_entropy.hpp>
#include <tabrl/algorithms/pi.hpp>
#include <tabrl/algorithms/pmd_euclidean.hpp>
#include <tabrl/algorithms/ppg.hpp>
#include <tabrl/algorithms/smdpo.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spg_armijo.hpp>
#include <tabrl/algorithms/spg_entropy.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/vi.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/suggest.hpp>

namespace tabrl {
namespace {

// Refuses what the typed parameters cannot express: a geometric schedule on a bandit (gamma = 0
// makes gamma^(-t) infinite) and a bandit-only step rule on an MDP.
void check_step_for_mdp(const AlgorithmEntry& entry, const StepSize& step, bool bandit) {
  if (step.geometric && bandit) {
    throw InputError({.field = entry.name + ".schedule"},
                     "geometric steps eta gamma^(-t) are not defined for bandits (gamma = 0); use "
                     "schedule=constant");
  }
  for (const StepSizeRule& rule : entry.step_rules) {
    if (rule.name == step.rule && rule.bandits_only && !bandit) {
      throw InputError({.field = "step_size"},
                       "the '" + rule.name + "' step of " + entry.name +
                           " is defined for bandits (one state, gamma = 0) only");
    }
  }
}

// The step size of a parsed spec: --step-size text plus the schedule parameter.
StepSize step_of(const AlgorithmEntry& entry, const SpecArguments& arguments,
                 const std::string& step_size) {
  StepSize step = parse_step_size(entry, step_size);
  if (entry.takes_step_size) step.geometric = arguments.text("schedule") == "geometric";
  return step;
}

}  // namespace

ParameterInfo schedule_parameter() {
  return {.name = "schedule",
          .type = "choice",
          .default_value = "constant",
          .description = "step eta_t: constant eta, or geometric eta gamma^(-t) (not for bandits)",
          .choices = {"constant", "geometric"}};
}

const std::vector<AlgorithmEntry>& algorithm_registry() {
  // Explicit, not self-registering: a static library drops objects nothing refers to.
  static const std::vector<AlgorithmEntry> entries = [] {
    // One line per algorithm (clang-format would pack them into columns).
    // clang-format off
    std::vector<AlgorithmEntry> list = {
        spma_algorithm(),
        npg_algorithm(),
        spg_algorithm(),
        apg_algorithm(),
        spg_armijo_algorithm(),
        gnpg_algorithm(),
        npg_entropy_algorithm(),
        spg_entropy_algorithm(),
        mdpo_algorithm(),
        smdpo_algorithm(),
        ppg_algorithm(),
        pmd_euclidean_algorithm(),
        pi_algorithm(),
        vi_algorithm(),
    };
    // clang-format on
    for (AlgorithmEntry& entry : list) {
      if (entry.takes_step_size) entry.parameters.push_back(schedule_parameter());
    }
    return list;
  }();
  return entries;
}

const AlgorithmEntry& find_algorithm(const std::string& name) {
  std::vector<std::string> names;
  for (const AlgorithmEntry& entry : algorithm_registry()) {
    if (entry.name == name) return entry;
    names.push_back(entry.name);
  }
  throw InputError({.field = "algo"}, unknown_name("algorithm", name, names));
}

StepSize parse_step_size(const AlgorithmEntry& entry, const std::string& text) {
  std::string rules;
  for (const StepSizeRule& rule : entry.step_rules) rules += ", " + rule.name;
  if (!entry.takes_step_size) {
    if (!text.empty()) {
      throw InputError({.field = "step_size"}, entry.name + " takes no step size");
    }
    return {};
  }
  if (text.empty()) {
    throw InputError({.field = "step_size"},
                     entry.name + " needs a step size: a number > 0" + rules);
  }
  for (const StepSizeRule& rule : entry.step_rules) {
    if (rule.name == text) return {.rule = text};
  }
  const std::optional<double> parsed = parse_double(text);
  if (!parsed) {
    throw InputError({.field = "step_size"},
                     "'" + text + "'" + std::string(range_note(text)) + " is not a step size of " +
                         entry.name + ": expected a number > 0" +
                         (rules.empty() ? "" : " or one of" + rules.substr(1)));
  }
  const double value = *parsed;
  if (!(value > 0.0)) {
    throw InputError({.field = "step_size"}, "must be > 0 and finite, got " + format_number(value));
  }
  return {.value = value};
}

void check_algorithm(const std::string& spec, const std::string& step_size, bool bandit) {
  const Spec parsed = parse_spec(spec, "algo");
  const AlgorithmEntry& entry = find_algorithm(parsed.name);
  const SpecArguments arguments(parsed, entry.parameters);
  arguments.check_values();
  const StepSize step = step_of(entry, arguments, step_size);
  check_step_for_mdp(entry, step, bandit);
  if (entry.check) entry.check(arguments, step);
}

std::string resolved_algorithm_spec(const std::string& spec) {
  const Spec parsed = parse_spec(spec, "algo");
  const AlgorithmEntry& entry = find_algorithm(parsed.name);
  const SpecArguments arguments(parsed, entry.parameters);  // refuses unknown keys
  return resolved_spec(parsed, entry.parameters).to_string();
}

std::string algorithm_label(const std::string& spec) {
  const Spec resolved = parse_spec(resolved_algorithm_spec(spec), "algo");
  const AlgorithmEntry& entry = find_algorithm(resolved.name);
  Spec label{.name = resolved.name};
  for (const auto& [key, value] : resolved.arguments) {
    if (key == "clip" || key == "clip_floor") continue;
    for (const ParameterInfo& parameter : entry.parameters) {
      if (parameter.name == key &&
          value != normalized_parameter_value(parameter.type, parameter.default_value)) {
        label.arguments.emplace_back(key, value);
      }
    }
  }
  return label.canonical();
}

std::unique_ptr<UpdateRule> make_algorithm(const std::string& spec, const std::string& step_size,
                                           const Mdp& mdp) {
  const Spec parsed = parse_spec(spec, "algo");
  const AlgorithmEntry& entry = find_algorithm(parsed.name);
  const SpecArguments arguments(parsed, entry.parameters);
  arguments.check_values();
  const StepSize step = step_of(entry, arguments, step_size);
  check_step_for_mdp(entry, step, mdp.is_bandit());
  if (step.geometric && !(mdp.gamma() > 0.0)) {
    throw InputError({.field = entry.name + ".schedule"},
                     "geometric steps eta gamma^(-t) need gamma > 0; this MDP has gamma = " +
                         format_number(mdp.gamma()));
  }
  if (entry.check) entry.check(arguments, step);
  if (step.rule.empty()) return entry.make(arguments, step, mdp);
  try {
    return entry.make(arguments, step, mdp);
  } catch (const InputError& error) {
    // A named rule's step out of range (rewards whose range is subnormal make 1/R infinite):
    // say which rule on which MDP, not only the number.
    if (error.location().field != "step_size") throw;
    throw InputError({.field = "step_size"},
                     "the '" + step.rule + "' step of " + entry.name +
                         " on this MDP (R = " + format_number(mdp.reward_scale()) +
                         ", gamma = " + format_number(mdp.gamma()) + ") " + error.message() +
                         "; give the step as a number");
  }
}

}  // namespace tabrl
