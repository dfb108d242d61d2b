// tabrl.sweep and tabrl.read_sweep's coverage check: the sweep engine of `tabrl sweep`, run
// without the GIL, and the check of `tabrl summarize`.
#include <pybind11/stl.h>

#include <filesystem>
#include <thread>

#include <tabrl/report/csv_table.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>

#include "bindings.hpp"

namespace tabrl::python {
namespace {

// Thrown out of the sweep's progress report when a Python signal handler raised: run_sweep
// then lets the runs in progress finish and commit, starts no other, and rethrows it.
struct SweepInterrupted {};

py::dict sweep(const std::string& config_path, const std::string& out, std::optional<int> jobs,
               bool restart) {
  check_no_nul(config_path, "config_path");
  check_no_nul(out, "out");
  const int threads =
      jobs.value_or(static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  if (threads < 1) {
    throw py::value_error("jobs: must be >= 1, got " + std::to_string(threads));
  }
  SweepOutcome outcome;
  SignalWatch watch;
  std::string left_out;
  {
    const ReleasedGil release;
    const SweepConfig config = load_sweep_config(config_path);
    left_out = left_out_log_linear_note(config);
    const SweepOptions options{.out = out, .jobs = threads, .restart = restart};
    // Python runs signal handlers only in its main thread: the thread that called sweep() checks
    // after each of its own runs.
    const std::thread::id caller = std::this_thread::get_id();
    try {
      outcome = run_sweep(config, options, [&](const SweepProgress&) {
        if (std::this_thread::get_id() == caller && watch.check()) throw SweepInterrupted{};
      });
    } catch (const SweepInterrupted&) {
    }
  }
  watch.rethrow();
  py::dict result;
  result["grid_runs"] = outcome.grid_runs;
  result["executed"] = outcome.executed;
  result["already_done"] = outcome.already_done;
  result["failed"] = outcome.failed;
  result["missing"] = outcome.missing;
  result["assembled"] = outcome.assembled;
  result["left_out_note"] = left_out;  // as tabrl sweep's note; "" when none
  return result;
}

// Checks DIR's runs.csv against its manifest as `tabrl summarize` does, and that curves.csv was
// not cut short (pandas would read a cut last line with empty fields); returns the coverage.
py::dict check_sweep(const std::string& directory, bool partial) {
  check_no_nul(directory, "directory");
  const SweepCoverage coverage = sweep_coverage(directory);
  require_coverage(directory, coverage, partial);
  require_line_break_at_end((std::filesystem::path(directory) / "curves.csv").string());
  py::dict result;
  result["present"] = coverage.present;
  result["expected"] = coverage.expected;
  result["partial"] = coverage.partial();
  result["text"] = coverage.text();
  return result;
}

}  // namespace

void bind_sweep(py::module_& module) {
  module.def("_sweep", &sweep, py::arg("config_path"), py::arg("out"), py::arg("jobs"),
             py::arg("restart"), "The engine part of tabrl.sweep (python/tabrl/_api.py).");
  module.def("_check_sweep", &check_sweep, py::arg("directory"), py::arg("partial"),
             "The coverage check of tabrl.read_sweep.");
}

}  // namespace tabrl::python
