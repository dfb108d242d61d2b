// `tabrl reproduce`: every reproduction sweep, its figures, and report.md with computed verdicts.
#include <filesystem>
#include <iostream>
#include <thread>

#include <tabrl/report/report.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/slurm.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>

#include "cli.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReproduceUsage = R"(usage: tabrl reproduce --out DIR [--jobs N] [--partial]

Runs the reproduction sweeps of experiments/configs (bandits, mdps, sensitivity, accuracy) into
DIR/<name>, draws their figures into DIR/<name>/figures, and writes DIR/report.md: for each
convergence claim (SPMA linear with a constant step; SPMA comparable to NPG; SPMA faster than
constant-step softmax PG; super-linear SPMA with the gap-dependent step on bandits) the figure,
the measured rates and iterations, and a verdict computed from the data. Interrupted runs
resume; a sweep whose config changed starts over. A sweep directory whose runs.csv lacks runs of
its grid is refused; --partial reports on the finished runs and says "partial: N of M runs".

example:
  tabrl reproduce --out out/reproduce
)";

}  // namespace

int reproduce_command(const Arguments& args) {
  std::string out;
  bool partial = false;
  int jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  po::options_description options("options");
  options.add_options()("out", po::value(&out)->required(), "output directory")(
      "jobs,j", po::value(&jobs)->default_value(jobs), "runs in parallel")(
      "partial", po::bool_switch(&partial), "report on sweeps with missing runs");
  po::variables_map values;
  if (!parse_command_line(args, options, {}, kReproduceUsage, values)) return kExitSuccess;
  require_plotting_packages();  // before minutes of sweeps, not after
  const fs::path configs = scripts_directory() / "configs";
  const fs::path self = fs::read_symlink("/proc/self/exe");
  for (const char* name : {"bandits", "mdps", "sensitivity", "accuracy"}) {
    const SweepConfig config =
        load_sweep_config((configs / (std::string(name) + ".toml")).string());
    std::cerr << "tabrl reproduce: " << name << " (" << config.runs.size() << " runs)\n";
    const fs::path directory = fs::path(out) / name;
    const auto print_removed = [&](const std::vector<std::string>& removed) {
      std::cerr << "tabrl reproduce: the config of " << name << " changed; removed what tabrl "
                << "wrote for the old one:\n";
      for (const std::string& path : removed) std::cerr << "  " << path << "\n";
    };
    run_sweep(config,
              {.out = directory, .jobs = jobs, .restart = true, .on_restart = print_removed},
              [](const SweepProgress&) {});
    // Checked here, so that a sweep with missing runs is refused with its counts (exit 2)
    // rather than as a failed plot.
    require_coverage(directory, sweep_coverage(directory), partial);
    const std::string command = shell_quote(self.string()) + " plot " +
                                shell_quote(directory.string()) + " --out " +
                                shell_quote((directory / "figures").string()) +
                                (partial ? " --partial" : "") + " > /dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("plotting failed: " + command);
  }
  const fs::path report = fs::path(out) / "report.md";
  const std::string text = write_report(out, partial);
  write_file_atomically(report.string(), [&](std::ostream& stream) { stream << text; });
  std::cout << report.string() << "\n";
  return kExitSuccess;
}

}  // namespace tabrl::cli
