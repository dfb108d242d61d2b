// `tabrl plot`: figures of a sweep directory through the editable scripts in experiments/.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/csv.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/report/csv_table.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/slurm.hpp>
#include <tabrl/sweep/sweep_store.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPlotUsage = R"(usage: tabrl plot DIR --out FIGDIR [--all-steps] [--partial]

Writes FIGDIR/summary.csv (as `tabrl summarize DIR --csv`), FIGDIR/algorithms.csv (the
registry's algorithms in order, which fixes each one's colour) and, as PNG and PDF:
  convergence             log suboptimality (1 - pi(a*) for bandits) against iteration, one panel
                          per MDP, one colour per algorithm at its best step size (every step size
                          with --all-steps), median and interquartile band over seeds, theory
                          bounds dashed
  theory_steps            the same, for the runs at a named step rule (safe, theory, gap): every
                          method at its theory step (when the sweep has such runs)
  loglog                  the error against iteration on log-log axes, every step size, with
                          slopes -1 and -2 for reference (softmax PG's and APG's tails)
  escape_time             iterations to the largest tolerance against the adversarial start's
                          scale (when the sweep has adversarial initial policies)
  rate_vs_step            1 - fitted contraction factor against the step size (fits over at least
                          10 iterations; drawn when a method has several steps)
  iterations_vs_step      iterations to the smallest tolerance against the step size, methods
                          without a step (pi) as horizontal lines
  iterations_to_accuracy  first iteration reaching eps against 1/eps, with O(log 1/eps) and
                          Theta(1/eps) reference slopes
  spma_c                  SPMA's C_t against iteration
The figures come from experiments/report/plot_sweep.py (TABRL_SCRIPTS=DIR uses DIR/report/
plot_sweep.py), run with Debian's /usr/bin/python3 and python3-matplotlib. A sweep whose runs.csv lacks
runs of its grid is refused; with --partial the figure titles say "partial: N of M runs".

example:
  tabrl plot out/demo --out out/demo/figures
)";

// What plot_sweep.py writes into FIGDIR.
constexpr const char* kFigureFiles[] = {"summary.csv",
                                        "algorithms.csv",
                                        "convergence.png",
                                        "convergence.pdf",
                                        "theory_steps.png",
                                        "theory_steps.pdf",
                                        "loglog.png",
                                        "loglog.pdf",
                                        "escape_time.png",
                                        "escape_time.pdf",
                                        "iterations_vs_step.png",
                                        "iterations_vs_step.pdf",
                                        "rate_vs_step.png",
                                        "rate_vs_step.pdf",
                                        "iterations_to_accuracy.png",
                                        "iterations_to_accuracy.pdf",
                                        "spma_c.png",
                                        "spma_c.pdf"};

// Figures drawn inside the sweep directory are listed in its manifest before they are written,
// so that `tabrl sweep --restart` removes them with the results they were drawn from. A FIGDIR
// reached through a symbolic link to elsewhere resolves outside and is not listed.
void record_figures(const fs::path& directory, const fs::path& figures) {
  const fs::path sweep = fs::weakly_canonical(directory);
  const fs::path relative = fs::weakly_canonical(figures).lexically_relative(sweep);
  if (relative.empty() || *relative.begin() == "..") return;
  std::vector<std::string> files, created;
  fs::path prefix;
  for (const fs::path& part : relative) {
    if (part == ".") continue;
    prefix /= part;
    if (!fs::exists(sweep / prefix)) created.push_back(prefix.generic_string());
  }
  for (const char* name : kFigureFiles) files.push_back((prefix / name).generic_string());
  record_written(directory, files, created);
}

}  // namespace

int plot_command(const Arguments& args) {
  std::string directory, out;
  bool all_steps = false, partial = false;
  po::options_description options("options");
  options.add_options()("dir", po::value(&directory)->required(), "sweep directory")(
      "out", po::value(&out)->required(), "directory for the figures")(
      "all-steps", po::bool_switch(&all_steps), "draw every step size, not only the best one")(
      "partial", po::bool_switch(&partial), "plot a sweep with missing runs (titles say so)");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, kPlotUsage, values)) return kExitSuccess;
  require_plotting_packages();

  const SweepSummary summary = summarize_sweep(directory, partial);
  // plot_sweep.py draws each MDP and setting at its best step; where every step had a failed run
  // there is none. With --all-steps it draws every run that has a curve (a run whose MDP could
  // not be built has none). With nothing to draw the command fails before it writes anything.
  bool drawable = false;
  if (all_steps) {
    const CsvTable runs = read_csv((fs::path(directory) / "runs.csv").string());
    const std::size_t iterations = runs.column("iterations");
    drawable = std::any_of(runs.rows.begin(), runs.rows.end(),
                           [&](const auto& row) { return !row[iterations].empty(); });
  } else {
    drawable = std::any_of(summary.lines.begin(), summary.lines.end(),
                           [](const SummaryLine& line) { return line.best_step != "-"; });
  }
  if (!drawable) {
    throw InputError({.file = directory},
                     all_steps ? "has no run with a curve to plot (runs.csv's status and message "
                                 "say why)"
                               : "has no run to plot: every step size of every setting has a "
                                 "failed run (runs.csv's status and message say why); "
                                 "--all-steps draws the failed runs' curves");
  }
  make_output_directory(out);
  record_figures(directory, out);
  write_file_atomically((fs::path(out) / "summary.csv").string(),
                        [&](std::ostream& stream) { print_summary_csv(stream, summary.lines); });
  // The plot labels and colours come from the registry: name, and the one-line description.
  write_file_atomically((fs::path(out) / "algorithms.csv").string(), [](std::ostream& stream) {
    stream << "name,description\n";
    for (const AlgorithmEntry& entry : algorithm_registry())
      stream << csv_field(entry.name) << "," << csv_field(entry.description) << "\n";
  });
  const fs::path script = scripts_directory() / "report" / "plot_sweep.py";
  if (!fs::exists(script)) {
    throw std::runtime_error("plotting script not found: " + script.string());
  }
  const std::string python = plotting_python();
  std::vector<std::string> command{python, script.string(), directory, out};
  if (all_steps) command.push_back("--all-steps");
  if (partial) command.push_back("--partial");
  if (const int status = run_child(command); status != 0) {
    throw std::runtime_error("the plotting script failed (" + describe_wait_status(status) +
                             "): " + shell_words(command));
  }
  if (summary.coverage.partial()) std::cerr << "tabrl plot: " << summary.coverage.text() << "\n";
  std::cout << (fs::path(out) / "convergence.png").string() << "\n";
  return kExitSuccess;
}

}  // namespace tabrl::cli
