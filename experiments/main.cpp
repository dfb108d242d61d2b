// tabrl: exact-gradient policy optimization on bandits and tabular MDPs.
#include <iostream>
#include <string>

#include "core/error.hpp"
#include "experiments/atomic_file.hpp"
#include "experiments/cli.hpp"

namespace {

constexpr const char* kUsage = R"(usage: tabrl <command> [options]

commands:
  run        run one optimization and write its convergence curve (CSV)
  sweep      run a grid of MDPs x algorithms x step sizes x seeds from a TOML config
  merge      combine the shards of a sweep
  summarize  print the best step size, rate and theory check per MDP x algorithm
  plot       draw the figures of a sweep (PNG and PDF)
  reproduce  run the reproduction sweeps and write report.md with computed verdicts
  mdp solve  print J*, V* and pi* of an MDP
  list       list the built-in MDPs and the algorithms with their parameters

`tabrl <command> --help` shows the options of a command, with an example.
)";

int dispatch(const std::string& command, const tabrl::cli::Arguments& args) {
  using namespace tabrl::cli;
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kExitSuccess;
    }
    if (command == "--version") {
      std::cout << "tabrl " << TABRL_VERSION << "\n";
      return kExitSuccess;
    }
    if (command == "run") return run_command(args);
    if (command == "mdp") return mdp_command(args);
    if (command == "list") return list_command(args);
    if (command == "sweep") return sweep_command(args);
    if (command == "merge") return merge_command(args);
    if (command == "summarize") return summarize_command(args);
    if (command == "plot") return plot_command(args);
    if (command == "reproduce") return reproduce_command(args);
    std::cerr << "tabrl: unknown command '" << command << "'\n\n" << kUsage;
    return kExitBadInput;
  } catch (const UsageError& error) {
    std::cerr << "tabrl " << command << ": " << error.what() << "\n";
    return kExitBadInput;
  } catch (const tabrl::InputError& error) {
    std::cerr << "tabrl " << command << ": error: " << error.what() << "\n";
    return kExitBadInput;
  } catch (const tabrl::WriteError& error) {
    std::cerr << "tabrl: " << error.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& error) {
    std::cerr << "tabrl " << command << ": failure: " << error.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tabrl::cli;
  if (argc < 2) {
    std::cerr << kUsage;
    return kExitBadInput;
  }
  const int status = dispatch(argv[1], Arguments(argv + 2, argv + argc));
  // What went to stdout counts only if it arrived: a full disk or /dev/full is a failure.
  try {
    tabrl::finish_standard_output();
  } catch (const tabrl::WriteError& error) {
    std::cerr << "tabrl: " << error.what() << "\n";
    return status == kExitSuccess ? kExitFailure : status;
  }
  return status;
}
