// `tabrl summarize`: one line per MDP x algorithm of a finished sweep.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <tabrl/core/format.hpp>

namespace tabrl {

// One step-size setting of an MDP x algorithm, as the best step is chosen among them.
struct StepCandidate {
  std::size_t runs = 0;
  std::size_t failed = 0;                   // runs with a failed status
  double median_final_suboptimality = 0.0;  // NaN counts as never reaching anything (+inf)
  double median_log_area = 0.0;             // area under log10 gap; NaN counts as +inf
};

// The best setting: among those with runs and no failed run, the smallest median final
// suboptimality, ties broken by the smaller median area, then by the first in grid order.
// nullopt when every setting has a failed run: a step that broke down on one seed is not a step
// to recommend, however good its other runs look.
std::optional<std::size_t> best_step_index(const std::vector<StepCandidate>& candidates);

struct SummaryLine {
  std::string mdp;  // runs.csv mdp_label
  std::string algorithm;
  std::string best_step;   // best_step_index's choice; "-" when every step had a failed run
  std::size_t steps = 0;   // step sizes tried
  std::size_t runs = 0;    // runs at the best step (seeds and MDP seeds)
  std::size_t failed = 0;  // failed runs of this MDP x algorithm, over every step size
  double median_final_suboptimality = 0.0;
  double median_rate = 0.0;                     // NaN when no run had a fit
  std::string tolerance_column;                 // the smallest tolerance, e.g. iters_to_1e-08
  double median_iterations_to_tolerance = 0.0;  // +inf when the median run never reached it
  std::string convergence;        // the most common classification among the runs at the best step
  double median_r_squared = 0.0;  // of the rate fit
  std::string theory_bound;
  // "held", "violated k/n" (k of the n runs that checked the bound), "not checked" (a bound, but
  // no run could check it at any step) or "n/a" (no bound)
  std::string claim;
};

// Which runs of runs.csv to summarize: the row and the table (for column lookups).
using RunFilter =
    std::function<bool(const std::vector<std::string>& row, const class CsvTable& table)>;

// How much of its grid a sweep directory's runs.csv holds, against the run ids of manifest.json.
struct SweepCoverage {
  std::size_t present = 0;   // runs of the manifest found in runs.csv
  std::size_t expected = 0;  // runs in the manifest
  std::size_t foreign = 0;   // rows of runs.csv the manifest does not list
  std::size_t repeated = 0;  // rows of runs.csv repeating a run listed before
  bool has_runs_csv = false;
  std::size_t journaled = 0;  // without runs.csv: finished runs in the journals, unassembled
  bool partial() const { return present < expected; }
  std::string text() const;  // "partial: N of M runs"
};
// Throws InputError when DIR has no manifest.json.
SweepCoverage sweep_coverage(const std::filesystem::path& directory);
// Throws InputError (exit 2) when runs.csv is missing, holds rows of another grid or a run twice,
// or (unless `allow_partial`) lacks runs: the message says how many of how many and how to
// finish.
void require_coverage(const std::filesystem::path& directory, const SweepCoverage& coverage,
                      bool allow_partial);

struct SweepSummary {
  std::vector<SummaryLine> lines;
  SweepCoverage coverage;
};

// Summarizes DIR/runs.csv after checking it against DIR/manifest.json (require_coverage).
SweepSummary summarize_sweep(const std::filesystem::path& directory, bool allow_partial = false,
                             const RunFilter& filter = {});
// The table; a summary of a partial sweep starts with "partial: N of M runs".
void print_summary(std::ostream& out, const SweepSummary& summary);

// The same lines as CSV with full precision (for scripts such as the plotting ones).
void print_summary_csv(std::ostream& out, const std::vector<SummaryLine>& lines);

}  // namespace tabrl
