// `tabrl reproduce`: every reproduction sweep, its figures, and report.md with computed verdicts.
#include <filesystem>
#include <iostream>
#include <thread>

#include <tabrl/core/error.hpp>
#include <tabrl/report/report.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/slurm.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>
#include <tabrl/sweep/sweep_store.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kReproduceUsage = R"(usage: tabrl reproduce --out DIR [--jobs N] [--partial]

Runs the reproduction sweeps of experiments/configs into DIR/<name>, draws their figures into
DIR/<name>/figures, and writes DIR/report.md (docs/reproduce.md):
  theory_steps    the headline figure: every method at its theory or safe step, dashed bounds
  spma_linear     claim 1: SPMA is linear at, below and above its safe step (3 decades or
                  inconclusive), and its contraction bound holds at every step
  pg_comparison   claim 2: SPMA is faster than constant-step softmax PG (slope -1) and APG
                  (slope -2), at the theory steps and on a shared grid; the tuned panel
  npg_comparison  claim 3: SPMA is comparable to NPG at the same eta; both become PI
  hard_start      claim 4: from the adversarial start SPG and APG plateau, SPMA and NPG do not
  bandits         claim 5: SPMA with the gap-dependent step is super-linear on bandits
  function_approximation
                  log-linear policies: SPMA's floor shrinks as features are added and
                  vanishes at one-hot; SPMA against MDPO with m inner steps; SPMA's
                  projection always converges, MDPO's inner problem has several maxima
Each verdict is computed from the runs by the rule printed with it. Interrupted runs resume; a
sweep whose config changed starts over. A sweep directory whose runs.csv lacks runs of its grid
is refused. --partial runs nothing: it plots and reports the finished runs of an interrupted
reproduction, says "partial: N of M runs" for each unfinished sweep and names those without runs;
a directory that another config made is refused.

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
  make_output_directory(out);
  const fs::path configs = scripts_directory() / "configs";
  const fs::path self = fs::read_symlink("/proc/self/exe");
  // Every config is read before any sweep runs: a missing or broken one fails in a second, not
  // after minutes of sweeps.
  std::vector<SweepConfig> sweeps;
  for (const ReproductionSweep& sweep : kReproductionSweeps)
    sweeps.push_back(load_sweep_config((configs / (std::string(sweep.name) + ".toml")).string()));
  // --partial: a directory of another config (copied in, or of an older tabrl whose config has
  // changed) would be reported under this sweep's claims. Refused before anything is drawn.
  for (std::size_t i = 0; i < sweeps.size() && partial; ++i) {
    const std::string name = kReproductionSweeps[i].name;
    const fs::path directory = fs::path(out) / name;
    if (has_manifest(directory) &&
        read_manifest(directory).config_digest != sweeps[i].config_digest) {
      throw InputError({.file = directory.string()},
                       "was made by another config than the reproduction's " + name +
                           ".toml; run tabrl reproduce without --partial to run it again, or "
                           "remove it");
    }
  }
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    const std::string name = kReproductionSweeps[i].name;
    const fs::path directory = fs::path(out) / name;
    if (partial) {
      // --partial reports on what is there: nothing runs, and a sweep without assembled runs
      // is named as missing in the report.
      if (!fs::exists(directory / "runs.csv")) continue;
    } else {
      std::cerr << "tabrl reproduce: " << name << " (" << sweeps[i].runs.size() << " runs)\n";
      const auto print_removed = [&](const std::vector<std::string>& removed) {
        std::cerr << "tabrl reproduce: the config of " << name << " changed; removed what tabrl "
                  << "wrote for the old one:\n";
        for (const std::string& path : removed) std::cerr << "  " << path << "\n";
      };
      run_sweep(sweeps[i],
                {.out = directory, .jobs = jobs, .restart = true, .on_restart = print_removed},
                [](const SweepProgress&) {});
    }
    // Checked here, so that a sweep with missing runs is refused with its counts (exit 2)
    // rather than as a failed plot.
    require_coverage(directory, sweep_coverage(directory), partial);
    std::vector<std::string> command{self.string(), "plot", directory.string(), "--out",
                                     (directory / "figures").string()};
    if (kReproductionSweeps[i].all_steps) command.push_back("--all-steps");
    if (partial) command.push_back("--partial");
    if (const int status = run_child(command, {.discard_stdout = true}); status != 0) {
      throw std::runtime_error("plotting failed (" + describe_wait_status(status) +
                               "): " + shell_words(command));
    }
  }
  const fs::path report = fs::path(out) / "report.md";
  const std::string text = write_report(out, partial);
  write_file_atomically(report.string(), [&](std::ostream& stream) { stream << text; });
  std::cout << report.string() << "\n";
  return kExitSuccess;
}

}  // namespace tabrl::cli
