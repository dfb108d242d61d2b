// tabrl: exact-gradient policy optimization on bandits and tabular MDPs.
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/core/simd.hpp>
#include <tabrl/sweep/atomic_file.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

namespace {

using tabrl::cli::Arguments;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Arguments&);
};

// The one list of commands: the usage text and the dispatch both read it.
constexpr Command kCommands[] = {
    {"run", "run one optimization and write its convergence curve (CSV)", tabrl::cli::run_command},
    {"sweep", "run a grid of MDPs x algorithms x step sizes x seeds from a TOML config",
     tabrl::cli::sweep_command},
    {"merge", "combine the shards of a sweep", tabrl::cli::merge_command},
    {"summarize", "print the best step size, rate and theory check per MDP x algorithm",
     tabrl::cli::summarize_command},
    {"plot", "draw the figures of a sweep (PNG and PDF)", tabrl::cli::plot_command},
    {"reproduce", "run the reproduction sweeps and write report.md with computed verdicts",
     tabrl::cli::reproduce_command},
    {"mdp", "solve | info | validate | convert an MDP (J*, V*, pi*; checks; formats)",
     tabrl::cli::mdp_command},
    {"list", "list the built-in MDPs and the algorithms with their parameters",
     tabrl::cli::list_command},
};

std::string usage() {
  std::string text = "usage: tabrl <command> [options]\n\ncommands:\n";
  for (const Command& command : kCommands) {
    std::string name = command.name;
    name.resize(11, ' ');
    text += "  " + name + command.summary + "\n";
  }
  return text + "\n`tabrl <command> --help` shows the options of a command, with an example.\n";
}

int dispatch(const std::string& command, const tabrl::cli::Arguments& args) {
  using namespace tabrl::cli;
  try {
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << usage();
      return kExitSuccess;
    }
    if (command == "--version") {
      std::cout << "tabrl " << TABRL_VERSION << "\n";
      return kExitSuccess;
    }
    for (const Command& entry : kCommands) {
      if (command != entry.name) continue;
      (void)tabrl::simd_level();  // a bad TABRL_SIMD is refused before any work
      return entry.run(args);
    }
    std::cerr << "tabrl: unknown command '" << command << "'\n\n" << usage();
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
    std::cerr << "tabrl " << command << ": failure: " << tabrl::exception_text(error) << "\n";
    return kExitFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tabrl::cli;
  // Two settings that the runtimes read when they load, unless the user chose otherwise, so the
  // program restarts itself once with them set (same process id, same arguments and
  // descriptors); if that fails it simply goes on (docs/engine.md, "Threads" and "Memory"):
  // - OpenMP threads that wait at the end of a parallel loop sleep instead of spinning: on a
  //   machine busy with other work, spinning threads cost a 40,000-state run 6x its time;
  // - glibc's malloc asks for transparent huge pages for its large blocks: touching fresh
  //   memory page by page took 3.5-4.6 s per GB on this project's machine (0.1-0.9 s with huge
  //   pages), most of the setup of a 1e6-state Garnet.
  // Never twice (a marker for the restarted image), and not in secure mode (setuid, file
  // capabilities), where glibc drops the tunable again and the program would restart for ever.
  const bool restarted = std::getenv("TABRL_RESTARTED") != nullptr;
  unsetenv("TABRL_RESTARTED");  // not passed on to the programs tabrl runs
  bool restart = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    restart = true;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string given = tunables == nullptr ? "" : tunables;
  if (given.find("glibc.malloc.hugetlb") == std::string::npos) {
    const std::string hugetlb = "glibc.malloc.hugetlb=1";
    setenv("GLIBC_TUNABLES", (given.empty() ? hugetlb : given + ":" + hugetlb).c_str(), 1);
    restart = true;
  }
  if (restart && !restarted && getauxval(AT_SECURE) == 0) {
    setenv("TABRL_RESTARTED", "1", 1);
    execv("/proc/self/exe", argv);
    unsetenv("TABRL_RESTARTED");
  }
  if (argc < 2) {
    std::cerr << usage();
    return kExitBadInput;
  }
  // Ctrl-C or SIGTERM during any command leaves no temporary file behind (`run` has its own
  // handler while it runs: the first Ctrl-C ends the run cleanly, docs/reliability.md).
  remove_temporaries_on_signals();
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
