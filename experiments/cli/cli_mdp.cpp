// `tabrl mdp solve` and `tabrl list`.
#include <filesystem>
#include <iostream>
#include <optional>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/mdps/toml_format.hpp>
#include <tabrl/mdps/writers.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/curve_csv.hpp>

#include "cli.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

// "FILE.toml|FILE.mdp|FILE.csv": the formats `convert` writes, from the format table.
std::string convert_targets() {
  std::string targets;
  for (const MdpFormat& format : mdp_formats()) {
    targets += (targets.empty() ? "FILE" : "|FILE") + std::string(format.extensions.front());
  }
  return targets;
}

std::string mdp_usage() {
  return R"USAGE(usage: tabrl mdp solve SPEC
       tabrl mdp info SPEC
       tabrl mdp validate FILE
       tabrl mdp convert SPEC --to )USAGE" +
         convert_targets() + R"USAGE(

solve     J*, the Bellman residual, then V* and pi* per state as CSV (state,v_star,optimal_action)
          with names where the MDP has them (policy iteration with exact evaluation)
info      sizes, gamma, non-zeros, reward range R, absorbing states, the largest SPMA step
          (1-gamma)/R, the SPG theory step, whether the optimal actions are unique
validate  reads FILE reporting every error found (file:line: field: message); exit 2 if any
          (a TOML file's [features] table included)
convert   writes the MDP in the format of --to's extension, 17 significant digits, so that
          reading it back gives the same P, r, gamma, rho and names; a TOML source's
          [features] table goes to a TOML target (other formats cannot hold it: said on stderr)

example:
  tabrl mdp solve cliff_world
  tabrl mdp info "garnet(states=1000,actions=4,branching=5)"
  tabrl mdp validate examples/machine_repair.toml
  tabrl mdp convert frozen_lake --to lake.toml
)USAGE";
}

// Optimal values are only computed for `info` up to this size (dense LU is cubic).
constexpr Index kInfoSolveLimit = 5000;

int info(const std::string& spec) {
  const Mdp mdp = load_mdp(spec);
  const Index S = mdp.num_states(), A = mdp.num_actions();
  std::vector<std::string> absorbing;
  for (Index s = 0; s < S; ++s) {
    bool loops = true;
    for (Index a = 0; a < A && loops; ++a) {
      loops = mdp.transitions().coeff(mdp.transition_row(s, a), s) == 1.0;
    }
    if (loops) {
      absorbing.push_back(mdp.has_state_names() ? mdp.state_names()[static_cast<std::size_t>(s)]
                                                : std::to_string(s));
    }
  }
  std::cout << "mdp: " << spec << "\n"
            << "states: " << S << "\n"
            << "actions: " << A << "\n"
            << "gamma: " << format_number(mdp.gamma()) << "\n"
            << "transition non-zeros: " << mdp.transitions().nonZeros() << "\n"
            << "kernel storage: " << to_string(mdp.kernel_storage()) << " (dense "
            << format_number(8.0 * static_cast<double>(S * A) * static_cast<double>(S) / 1e6)
            << " MB, sparse "
            << format_number((12.0 * static_cast<double>(mdp.transitions().nonZeros()) +
                              4.0 * static_cast<double>(S * A + 1)) /
                             1e6)
            << " MB)\n"
            << "reward range: [" << format_number(mdp.rewards().minCoeff()) << ", "
            << format_number(mdp.rewards().maxCoeff())
            << "], R = " << format_number(mdp.reward_range()) << "\n"
            << "max row-sum deviation before renormalisation: "
            << format_number(mdp.max_row_sum_deviation()) << "\n"
            << "absorbing states: " << absorbing.size();
  for (std::size_t i = 0; i < absorbing.size() && i < 10; ++i) {
    std::cout << (i ? ", " : " (") << absorbing[i];
  }
  std::cout << (absorbing.size() > 10 ? ", ...)" : absorbing.empty() ? "" : ")") << "\n";
  if (mdp.reward_range() > 0.0) {
    std::cout << "largest SPMA step (1-gamma)/R: " << format_number(spma_safe_step(mdp))
              << " (steps must stay strictly below it)\n";
  } else {
    std::cout << "largest SPMA step: none (every reward is the same, so A = 0 and any step is "
                 "safe; the step rules take R = "
              << format_number(mdp.reward_scale()) << ")\n";
  }
  std::cout << "SPG theory step: " << format_number(spg_theory_step(mdp))
            << (mdp.is_bandit() ? " (2/(5R))" : " ((1-gamma)^3/(8R))") << "\n";
  if (S > kInfoSolveLimit) {
    std::cout << "optimal actions unique: not computed (more than " << kInfoSolveLimit
              << " states)\n";
    return kExitSuccess;
  }
  const OptimalSolution optimal = solve_optimal(mdp);
  if (!optimal.solver_note.empty()) std::cerr << "tabrl mdp info: " << optimal.solver_note << "\n";
  const double tolerance = 1e-9 * mdp.value_scale();
  Index ties = 0;
  for (Index s = 0; s < S; ++s) {
    Index best = 0;
    const double top = optimal.q.row(s).maxCoeff(&best);
    for (Index a = 0; a < A; ++a) {
      if (a != best && top - optimal.q(s, a) <= tolerance) {
        ++ties;
        break;
      }
    }
  }
  std::cout << "J*: " << format_number(optimal.objective) << "\n"
            << "optimal actions unique: "
            << (ties == 0 ? "yes" : "no, " + std::to_string(ties) + " states have ties within 1e-9")
            << "\n";
  return kExitSuccess;
}

bool is_toml_path(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".toml") == 0 &&
         std::filesystem::is_regular_file(path);
}

int validate(const std::string& path) {
  const MdpFileCheck check = validate_mdp_file(path);
  for (const InputError& error : check.errors) std::cerr << error.what() << "\n";
  if (!check.mdp) {
    const std::size_t count = check.errors.size();
    std::cerr << path << ": " << count << " error" << (count > 1 ? "s" : "") << "\n";
    return kExitBadInput;
  }
  // A TOML file's optional [features] table is checked too (docs/mdp-formats.md).
  std::optional<Eigen::MatrixXd> features;
  if (is_toml_path(path)) {
    try {
      features = read_optional_toml_features(path, *check.mdp);
    } catch (const InputError& error) {
      std::cerr << error.what() << "\n" << path << ": 1 error\n";
      return kExitBadInput;
    }
  }
  std::cout << path << ": valid MDP, " << check.mdp->num_states() << " states, "
            << check.mdp->num_actions() << " actions, gamma " << format_number(check.mdp->gamma());
  if (features) std::cout << ", " << features->cols() << " features";
  std::cout << "\n";
  return kExitSuccess;
}

int convert(const std::string& spec, const std::string& target) {
  if (target.empty()) throw UsageError("convert needs --to " + convert_targets());
  const MdpFormat& format = format_of_path(target);
  OutputFile output(target, /*durable=*/true, "to");
  const Mdp mdp = load_mdp(spec);
  // A TOML source's [features] table goes to a TOML target; the other formats cannot hold
  // features, which is said on stderr (docs/mdp-formats.md).
  std::optional<Eigen::MatrixXd> features;
  if (is_toml_path(spec)) features = read_optional_toml_features(spec, mdp);
  format.write(output.stream(), mdp);
  const bool carried = features && format.name == "toml";
  if (carried) write_toml_features(output.stream(), mdp, *features);
  output.commit();
  std::cerr << "tabrl mdp: wrote " << target << " (" << mdp.num_states() << " states, "
            << mdp.num_actions() << " actions" << (carried ? ", features" : "") << ")\n";
  if (features && !carried) {
    std::cerr << "tabrl mdp: note: the [features] table of " << spec << " is not in " << target
              << ": only the TOML format holds features (convert to .toml, or give them to "
                 "--features as a CSV file)\n";
  }
  return kExitSuccess;
}

int solve(const std::string& spec) {
  const Mdp mdp = load_mdp(spec);
  const OptimalSolution optimal = solve_optimal(mdp);
  if (!optimal.solver_note.empty()) std::cerr << "tabrl mdp solve: " << optimal.solver_note << "\n";
  std::cout << "# " << spec << ": " << mdp.num_states() << " states, " << mdp.num_actions()
            << " actions, gamma " << format_number(mdp.gamma()) << "\n";
  std::cout << "J* = " << format_double(optimal.objective) << "\n";
  std::cout << "bellman_residual = " << format_double(optimal.bellman_residual)
            << (optimal.bellman_check_passed ? "" : "  (above 1e-12 * R/(1-gamma))") << "\n";
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
  std::string action, spec, target;
  const std::string target_help = "convert: the output file (" + mdp_extension_list() + ")";
  po::options_description options("options");
  options.add_options()("action", po::value(&action)->required(),
                        "solve, info, validate or convert")(
      "spec", po::value(&spec)->required(), "built-in name(key=value,...) or MDP file")(
      "to", po::value(&target), target_help.c_str());
  po::positional_options_description positional;
  positional.add("action", 1).add("spec", 1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, mdp_usage(), values)) return kExitSuccess;
  if (action == "solve") return solve(spec);
  if (action == "info") return info(spec);
  if (action == "validate") return validate(spec);
  if (action == "convert") return convert(spec, target);
  throw UsageError("unknown mdp action '" + action +
                   "' (available: solve, info, validate, convert)\n\n" + mdp_usage());
}

}  // namespace tabrl::cli
