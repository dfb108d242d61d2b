// `tabrl mdp solve` and `tabrl list`.
#include <iostream>

#include "core/format.hpp"
#include "core/optimal.hpp"
#include "experiments/algorithm_registry.hpp"
#include "experiments/cli.hpp"
#include "experiments/curve_csv.hpp"
#include "mdps/registry.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kMdpUsage = R"(usage: tabrl mdp solve SPEC

Solves the MDP exactly (policy iteration with exact evaluation) and prints J*, the Bellman
residual, then V* and pi* per state as CSV (state,v_star,optimal_action) with names where the
MDP has them.

example:
  tabrl mdp solve cliff_world
  tabrl mdp solve examples/two_state.mdp
)";

constexpr const char* kListUsage = R"(usage: tabrl list

Lists the built-in MDPs and the algorithms with their parameters.

example:
  tabrl list
)";

int solve(const std::string& spec) {
  const Mdp mdp = load_mdp(spec);
  const OptimalSolution optimal = solve_optimal(mdp);
  std::cout << "# " << spec << ": " << mdp.num_states() << " states, " << mdp.num_actions()
            << " actions, gamma " << format_number(mdp.gamma()) << "\n";
  std::cout << "J* = " << format_double(optimal.objective) << "\n";
  std::cout << "bellman_residual = " << format_double(optimal.bellman_residual)
            << (optimal.bellman_check_passed ? "" : "  (above 1e-12 * max(1, |V*|))") << "\n";
  std::cout << "state,v_star,optimal_action\n";
  for (Index s = 0; s < mdp.num_states(); ++s) {
    const Index action = optimal.policy[static_cast<std::size_t>(s)];
    std::cout << (mdp.has_state_names() ? mdp.state_names()[static_cast<std::size_t>(s)]
                                        : std::to_string(s))
              << ',' << format_double(optimal.v[s]) << ','
              << (mdp.has_action_names() ? mdp.action_names()[static_cast<std::size_t>(action)]
                                         : std::to_string(action))
              << "\n";
  }
  return optimal.bellman_check_passed ? kExitSuccess : kExitFailure;
}

}  // namespace

int mdp_command(const Arguments& args) {
  std::string action, spec;
  po::options_description options("options");
  options.add_options()("action", po::value(&action)->required(), "solve")(
      "spec", po::value(&spec)->required(), "built-in name(key=value,...) or .mdp file");
  po::positional_options_description positional;
  positional.add("action", 1).add("spec", 1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, kMdpUsage, values)) return kExitSuccess;
  if (action == "solve") return solve(spec);
  throw UsageError("unknown mdp action '" + action + "' (available: solve)\n\n" + kMdpUsage);
}

int list_command(const Arguments& args) {
  po::variables_map values;
  if (!parse_command_line(args, {}, {}, kListUsage, values)) return kExitSuccess;
  const auto print_parameters = [](const std::vector<ParameterInfo>& parameters) {
    for (const ParameterInfo& p : parameters) {
      std::cout << "      " << p.name << " (" << p.type
                << (p.default_value.empty() ? ", required" : ", default " + p.default_value)
                << "): " << p.description << "\n";
    }
  };
  std::cout << "MDPs (--mdp 'name(key=value,...)', or a .mdp file):\n";
  for (const BuiltinMdpInfo& info : builtin_mdp_catalog()) {
    std::cout << "  " << info.name << ": " << info.description << "\n";
    print_parameters(info.parameters);
  }
  std::cout << "\nalgorithms (--algo NAME):\n";
  for (const AlgorithmInfo& info : algorithm_catalog()) {
    std::cout << "  " << info.name << ": " << info.description << "\n";
    print_parameters(info.options);
  }
  return kExitSuccess;
}

}  // namespace tabrl::cli
