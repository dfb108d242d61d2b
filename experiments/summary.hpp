// `tabrl summarize`: one line per MDP x algorithm of a finished sweep.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace tabrl {

struct SummaryLine {
  std::string mdp;         // runs.csv mdp_label
  std::string algorithm;
  std::string best_step;   // by median final suboptimality, ties by median area under log10 gap
  std::size_t steps = 0;   // step sizes tried
  std::size_t runs = 0;    // runs at the best step (seeds and MDP seeds)
  double median_final_suboptimality = 0.0;
  double median_rate = 0.0;             // NaN when no run had a fit
  std::string tolerance_column;         // the smallest tolerance, e.g. iters_to_1e-08
  double median_iterations_to_tolerance = 0.0;  // +inf when the median run never reached it
  std::string convergence;  // the most common classification among the runs at the best step
  double median_r_squared = 0.0;  // of the rate fit
  std::string theory_bound;
  std::string claim;  // "held", "violated k/n" or "n/a"
};

// Which runs of runs.csv to summarize: the row and the table (for column lookups).
using RunFilter = std::function<bool(const std::vector<std::string>& row, const class CsvTable& table)>;

std::vector<SummaryLine> summarize_sweep(const std::filesystem::path& directory,
                                         const RunFilter& filter = {});
void print_summary(std::ostream& out, const std::vector<SummaryLine>& lines);

// A number for people: 4 significant digits, "-" for NaN (no data), "never" for infinity.
std::string format_brief(double value);
// The same lines as CSV with full precision (for scripts such as the plotting ones).
void print_summary_csv(std::ostream& out, const std::vector<SummaryLine>& lines);

}  // namespace tabrl
