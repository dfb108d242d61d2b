// Initial policies (docs/algorithms.md, "Initial policies"): `--init` and the sweep key `init`
// take `uniform`, `random(seed=N,scale=S)`, `adversarial(scale=S)` or a CSV file of logits
// (header state,action,logit). Every method starts from these logits; direct methods from their
// softmax, and value iteration ignores them.
#pragma once

#include <string>
#include <vector>

#include <tabrl/core/optimal.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

struct InitialPolicyKind {
  std::string name;
  std::string description;
  std::vector<ParameterInfo> parameters;
};

// The named initial policies, in the order `tabrl list` shows them.
const std::vector<InitialPolicyKind>& initial_policy_kinds();

// Whether `text` names a logit file rather than a spec: it ends in ".csv" or holds a '/'.
bool is_initial_policy_file(const std::string& text);

// Checks a spec (name, keys, value types and ranges) without an MDP; a file only by its name.
// Throws InputError (field "init") with "did you mean" for an unknown name.
void check_initial_policy(const std::string& text);

// The spec with every parameter, defaults included, in canonical order (run identities); a file
// path as given.
std::string resolved_initial_policy(const std::string& text);

// Whether `text` is the uniform policy (the NPG bound of docs/theory.md assumes it).
bool is_uniform_initial_policy(const std::string& text);

// The initial logits for `mdp`: adversarial needs Q* from `optimal`; a file is read with
// read_state_action_table (errors name file, line and field).
StateActionMatrix initial_logits(const std::string& text, const Mdp& mdp,
                                 const OptimalSolution& optimal);

}  // namespace tabrl
