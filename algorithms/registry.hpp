// The algorithms by name: one explicit table of factories with typed, defaulted parameters
// (docs/algorithms.md). The CLI, sweeps, `tabrl list` and the docs read it; strings end here,
// and the update rules behind the factories take plain option structs.
//
// An algorithm is a spec of core/spec.hpp: `spma`, `spma(clip=true,clip_floor=1e-6)`. Its step
// size is given apart (`--step-size`, the sweep key `step_size`): a number, or the name of one of
// the method's step rules (`safe`, `gap`, `theory`).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tabrl/algorithms/update_rule.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

struct StepSizeRule {
  std::string name;
  std::string description;
  bool bandits_only = false;
};

// A step size as given: a number (`value`), or a named rule (`rule` non-empty), and the
// schedule parameter every method with a step has (`schedule=geometric`: eta_t = eta gamma^-t).
struct StepSize {
  double value = 0.0;
  std::string rule;
  bool geometric = false;
};

struct AlgorithmEntry {
  std::string name;
  std::string description;
  std::string reference;  // the paper, with its arXiv id where it has one
  std::vector<ParameterInfo> parameters;
  bool takes_step_size = true;
  std::vector<StepSizeRule> step_rules;
  // Every curve column the method's rules may fill (UpdateRule::diagnostic_names is a subset):
  // a sweep's curves.csv has the union over its algorithms.
  std::vector<std::string> diagnostics;
  // Optional: checks the parameters against each other and the step without an MDP (so that a
  // sweep config fails before any run); throws InputError naming the key.
  std::function<void(const SpecArguments&, const StepSize&)> check;
  // Builds the rule for `mdp`; throws InputError naming the parameter on invalid values.
  std::function<std::unique_ptr<UpdateRule>(const SpecArguments&, const StepSize&, const Mdp&)>
      make;
};

// Every algorithm, in the order `tabrl list` shows them. Each entry with a step size also has
// the parameter `schedule` (constant or geometric), added here.
const std::vector<AlgorithmEntry>& algorithm_registry();

// The `schedule=constant|geometric` parameter every method with a numeric step takes
// (docs/theory.md, "Step-size schedule").
ParameterInfo schedule_parameter();

// The entry named `name`; InputError (field "algo") with "did you mean" otherwise.
const AlgorithmEntry& find_algorithm(const std::string& name);

// Checks `step_size` against the entry: a positive finite number or one of its rules. Empty
// text is an error for methods that take a step and required empty for the others.
StepSize parse_step_size(const AlgorithmEntry& entry, const std::string& text);

// Checks an algorithm spec and step size without building anything (sweep configs, before any
// run): the name, the keys and value types, and the step size; `bandit` says whether the MDP is
// a bandit (for bandit-only step rules). Throws InputError naming the parameter.
void check_algorithm(const std::string& spec, const std::string& step_size, bool bandit);

// `spec` with every parameter of its algorithm, defaults included, in canonical order: equal
// settings give equal text (run identities).
std::string resolved_algorithm_spec(const std::string& spec);

// The short name of a setting, for summaries and figures: the name with the parameters that
// differ from their defaults, in canonical order (`spma`, `mdpo(inner_step_size=2)`,
// `npg(schedule=geometric)`). SPMA's clip and clip_floor are left out: summaries treat clipping
// as part of the step ("0.5+clip").
std::string algorithm_label(const std::string& spec);

// Builds the update rule of `spec` with `step_size` for `mdp`.
std::unique_ptr<UpdateRule> make_algorithm(const std::string& spec, const std::string& step_size,
                                           const Mdp& mdp);

}  // namespace tabrl
