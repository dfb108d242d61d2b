#include "initial_policy.hpp"

#include <algorithm>

#include <tabrl/core/error.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/state_action_table.hpp>
#include <tabrl/core/suggest.hpp>

namespace tabrl {
namespace {

constexpr ParameterRange kPositive{.low = 0.0, .low_open = true};

const InitialPolicyKind& find_kind(const std::string& name) {
  std::vector<std::string> names;
  for (const InitialPolicyKind& kind : initial_policy_kinds()) {
    if (kind.name == name) return kind;
    names.push_back(kind.name);
  }
  throw InputError({.field = "init"}, unknown_name("initial policy", name, names) +
                                          "; or give a CSV file of logits (state,action,logit)");
}

// The adversarial start of docs/algorithms.md: logit `scale` on the worst action of each state
// under Q* (the lowest index among exact ties), 0 elsewhere.
StateActionMatrix adversarial_logits(const OptimalSolution& optimal, double scale) {
  StateActionMatrix logits = StateActionMatrix::Zero(optimal.q.rows(), optimal.q.cols());
  for (Index s = 0; s < optimal.q.rows(); ++s) {
    Index worst = 0;
    for (Index a = 1; a < optimal.q.cols(); ++a) {
      if (optimal.q(s, a) < optimal.q(s, worst)) worst = a;
    }
    logits(s, worst) = scale;
  }
  return logits;
}

}  // namespace

const std::vector<InitialPolicyKind>& initial_policy_kinds() {
  static const std::vector<InitialPolicyKind> kinds = {
      {.name = "uniform", .description = "all logits 0"},
      {.name = "random",
       .description = "logits drawn i.i.d. N(0, scale^2) with the project's own normal sampler",
       .parameters = {{"seed", "integer", "0", "seed of the sampler", {}, {.low = 0.0}},
                      {"scale", "number", "1", "standard deviation of the logits", {}, kPositive}}},
      {.name = "adversarial",
       .description = "logit `scale` on the worst action under Q* (lowest index on ties), 0 "
                      "elsewhere: the hard start where softmax PG stalls",
       .parameters = {{"scale", "number", "5", "the worst action's logit", {}, kPositive}}},
  };
  return kinds;
}

bool is_initial_policy_file(const std::string& text) {
  const bool csv = text.size() >= 4 && text.compare(text.size() - 4, 4, ".csv") == 0;
  return csv || text.find('/') != std::string::npos;
}

void check_initial_policy(const std::string& text) {
  if (is_initial_policy_file(text)) return;
  const Spec spec = parse_spec(text, "init");
  SpecArguments(spec, find_kind(spec.name).parameters).check_values();
}

std::string resolved_initial_policy(const std::string& text) {
  if (is_initial_policy_file(text)) return text;
  const Spec spec = parse_spec(text, "init");
  const InitialPolicyKind& kind = find_kind(spec.name);
  SpecArguments(spec, kind.parameters).check_values();
  return resolved_spec(spec, kind.parameters).to_string();
}

bool is_uniform_initial_policy(const std::string& text) {
  return !is_initial_policy_file(text) && parse_spec(text, "init").name == "uniform";
}

StateActionMatrix initial_logits(const std::string& text, const Mdp& mdp,
                                 const OptimalSolution& optimal) {
  const Index states = mdp.num_states();
  const Index actions = mdp.num_actions();
  if (is_initial_policy_file(text)) {
    const StateActionTable table =
        read_state_action_table(text, mdp, [](const std::vector<std::string>& columns) {
          return columns == std::vector<std::string>{"logit"}
                     ? std::string()
                     : std::string("expected the columns state,action,logit");
        });
    StateActionMatrix logits(states, actions);
    for (Index s = 0; s < states; ++s) {
      for (Index a = 0; a < actions; ++a) logits(s, a) = table.values(s * actions + a, 0);
    }
    return logits;
  }
  const Spec spec = parse_spec(text, "init");
  const SpecArguments arguments(spec, find_kind(spec.name).parameters);
  arguments.check_values();
  if (spec.name == "random") {
    return random_logits(states, actions, static_cast<std::uint64_t>(arguments.integer("seed")),
                         arguments.number("scale"));
  }
  if (spec.name == "adversarial") return adversarial_logits(optimal, arguments.number("scale"));
  return uniform_logits(states, actions);
}

}  // namespace tabrl
