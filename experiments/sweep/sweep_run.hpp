// Running one resolved run of a sweep and formatting its rows of runs.csv and curves.csv.
#pragma once

#include <memory>
#include <string>

#include <tabrl/core/csv.hpp>
#include <tabrl/core/features.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/sweep/curve_csv.hpp>
#include <tabrl/sweep/sweep_config.hpp>

namespace tabrl {

// What a finished run leaves behind: its runs.csv row and its curves.csv rows, as CSV text.
struct RunRecord {
  std::string run_id;
  std::string runs_row;    // one line, no newline
  std::string curve_rows;  // lines ending in '\n', each starting with the run id
  bool failed = false;     // is_failed_status(status): error, non_finite, step_invalid, ...
};

// Statuses of runs that failed: non_finite, step_invalid, line_search_failed (RunStatus values
// with is_failure) and error (the run could not start). Their final numbers are where the run
// broke down, not a result, so their step is never the best.
bool is_failed_status(const std::string& status);

// Keeps the last MDP with its optimal solution, and the last feature matrix made for it, so
// consecutive runs on one MDP build and solve it once, and consecutive log-linear runs with the
// same features (a block with one `features` value: its step sizes) read or draw them once. A
// block listing several features varies them faster than its step sizes, so it still makes them
// once per run: one matrix is kept, not all of them (they can be large).
class MdpCache {
 public:
  // Throws what loading or solving throws; the cache is then empty.
  const Mdp& mdp(const std::string& spec, LinearSolverKind solver);
  const OptimalSolution& optimal() const { return *optimal_; }
  // The features `text` names (make_features) on the MDP of the last successful mdp() call.
  std::shared_ptr<const FeatureMatrix> features(const std::string& text);

 private:
  std::string spec_;
  std::unique_ptr<Mdp> mdp_;
  std::unique_ptr<OptimalSolution> optimal_;
  std::string features_text_;
  std::shared_ptr<const FeatureMatrix> features_;
};

std::string runs_csv_header(const SweepSettings& settings);
// The columns of the sweep's curves.csv: the union of its algorithms' diagnostics.
CurveSchema curves_csv_schema(const SweepConfig& config);

// Runs `run`; never throws for a failure of the run itself (status "error" with the message).
// Its curve rows follow `curves`.
RunRecord execute_run(const RunSpec& run, const std::string& run_id, const SweepSettings& settings,
                      const CurveSchema& curves, MdpCache& cache);

}  // namespace tabrl
