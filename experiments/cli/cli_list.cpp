// `tabrl list`: the built-in MDPs and the algorithms, from their registries.
#include <iostream>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>

#include "cli.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kListUsage = R"(usage: tabrl list

Lists the built-in MDPs, the algorithms, the initial policies, the features and the
algorithms that take features, with their parameters.

example:
  tabrl list
)";

}  // namespace

int list_command(const Arguments& args) {
  po::variables_map values;
  if (!parse_command_line(args, {}, {}, kListUsage, values)) return kExitSuccess;
  const auto print_parameters = [](const std::vector<ParameterInfo>& parameters) {
    for (const ParameterInfo& p : parameters) {
      std::string domain;
      if (p.type == "choice") {
        for (const std::string& choice : p.choices) domain += (domain.empty() ? "" : "|") + choice;
        domain = ": " + domain;
      } else if (p.type == "number" || p.type == "integer") {
        const std::string range = p.range.to_string();
        if (range != "any finite value") {
          domain = (range[0] == '(' || range[0] == '[' ? " in " : " ") + range;
        }
      }
      std::cout << "      " << p.name << " (" << p.type << domain
                << (p.default_value.empty() ? ", required" : ", default " + p.default_value)
                << "): " << p.description << "\n";
    }
  };
  std::cout << "MDPs (--mdp 'name(key=value,...)', or a " << mdp_extension_list() << " file):\n";
  for (const BuiltinMdpInfo& info : builtin_mdp_catalog()) {
    std::cout << "  " << info.name << ": " << info.description << "\n";
    print_parameters(info.parameters);
  }
  std::cout << "\nalgorithms (--algo 'name(key=value,...)' --step-size X):\n";
  for (const AlgorithmEntry& entry : algorithm_registry()) {
    std::cout << "  " << entry.name << ": " << entry.description << " (" << entry.reference
              << ")\n";
    if (!entry.takes_step_size) {
      std::cout << "      no step size\n";
    } else {
      std::cout << "      step size: a number > 0";
      for (const StepSizeRule& rule : entry.step_rules) {
        std::cout << ", or '" << rule.name << "' = " << rule.description;
      }
      std::cout << "\n";
    }
    print_parameters(entry.parameters);
  }
  std::cout << "\ninitial policies (--init 'name(key=value,...)', or a CSV file "
               "state,action,logit):\n";
  for (const InitialPolicyKind& kind : initial_policy_kinds()) {
    std::cout << "  " << kind.name << ": " << kind.description << "\n";
    print_parameters(kind.parameters);
  }
  std::cout << "\nfeatures (--features 'name(key=value,...)', or a CSV file "
               "state,action,f0,...,f{k-1}):\n";
  for (const FeatureKind& kind : feature_kinds()) {
    std::cout << "  " << kind.name << ": " << kind.description << "\n";
    print_parameters(kind.parameters);
  }
  std::cout << "\nlog-linear policies (--features F --algo 'name(key=value,...)'):\n";
  for (const std::string& name : log_linear_algorithm_names()) {
    std::cout << "  " << name << "\n";
    print_parameters(log_linear_parameters(name));
  }
  return kExitSuccess;
}

}  // namespace tabrl::cli
