// Summaries: which step size is the best one, how failed runs are kept out of it, and how a
// sweep with missing runs is refused or marked partial.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <tabrl/report/csv_table.hpp>
#include <tabrl/report/report.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/sweep_run.hpp>

#include "helpers.hpp"

using namespace tabrl;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kNever = std::numeric_limits<double>::infinity();

StepCandidate candidate(double gap, double area, std::size_t failed = 0, std::size_t runs = 3) {
  return {
      .runs = runs, .failed = failed, .median_final_suboptimality = gap, .median_log_area = area};
}

}  // namespace

TEST_CASE("failed statuses") {
  for (const char* status : {"non_finite", "step_invalid", "line_search_failed", "error"}) {
    CHECK(is_failed_status(status));
  }
  for (const char* status : {"converged", "max_iterations", "stopped", ""}) {
    CHECK_FALSE(is_failed_status(status));
  }
}

TEST_CASE("best step: the smallest median final gap, ties by area, then grid order") {
  CHECK(best_step_index({candidate(1e-3, -10), candidate(1e-6, -5), candidate(1e-4, -50)}) == 1);
  // Equal gaps (e.g. both at the floor): the smaller area under the log gap wins.
  CHECK(best_step_index({candidate(1e-16, -300), candidate(1e-16, -900), candidate(1e-16, -600)}) ==
        1);
  // Equal in both: the first in grid order.
  CHECK(best_step_index({candidate(1e-8, -40), candidate(1e-8, -40)}) == 0);
  // A NaN gap ranks as never reaching anything, not as "not worse" than everything.
  CHECK(best_step_index({candidate(kNaN, -40), candidate(0.5, 0)}) == 1);
  CHECK(best_step_index({candidate(0.5, kNaN), candidate(0.5, -1)}) == 1);
  CHECK(best_step_index({candidate(kNever, 0), candidate(kNever, -1)}) == 1);
  CHECK_FALSE(best_step_index({}).has_value());
}

TEST_CASE("best step: a setting with a failed run is never chosen") {
  // The probe: step 1e308 ended non_finite right after reaching the optimum (gap 0); 1.0 is fine.
  CHECK(best_step_index({candidate(1e-16, -100, 1, 1), candidate(1.5e-3, -2, 0, 1)}) == 1);
  // One failed seed of three is enough to rule a step out, however good its median.
  CHECK(best_step_index({candidate(1e-12, -50, 1), candidate(1e-3, -5), candidate(1e-2, -1)}) == 1);
  // A setting without runs is not a candidate either.
  CHECK(best_step_index({candidate(1e-12, -50, 0, 0), candidate(1e-3, -5)}) == 1);
}

TEST_CASE("best step: every run failed") {
  CHECK_FALSE(best_step_index({candidate(0, -10, 1, 1), candidate(kNaN, kNaN, 3)}).has_value());
}

namespace {

// A sweep directory written by hand: runs.csv rows (id, label, algorithm, step, status, gap).
struct HandRun {
  std::string id, mdp, algorithm, step, status, gap;
  std::string bound = "none", held;  // theory_bound, bound_held
};

fs::path write_sweep(const std::string& name, const std::vector<HandRun>& runs,
                     std::size_t extra_manifest_runs = 0) {
  const fs::path directory = fs::temp_directory_path() / ("tabrl_summary_test_" + name);
  fs::remove_all(directory);
  fs::create_directories(directory);
  std::ofstream csv(directory / "runs.csv");
  csv << "run_id,mdp_label,setting,step_size,clip,status,final_suboptimality,iters_to_1e-08,"
         "rate,rate_r2,convergence,theory_bound,bound_held,mdp,algorithm,step_value,init,"
         "iterations,final_value_error_inf,loglog_slope,rate_first_iteration,"
         "rate_last_iteration,bound_violations,spma_min_c\n";
  std::ofstream curves(directory / "curves.csv");
  curves << "run_id,iteration,suboptimality\n";
  std::string ids;
  for (const HandRun& run : runs) {
    csv << run.id << ',' << run.mdp << ',' << run.algorithm << ',' << run.step << ",false,"
        << run.status << ',' << run.gap << ",,0.5,1,linear," << run.bound << ',' << run.held << ','
        << run.mdp << ',' << run.algorithm << ",1,uniform,2," << run.gap << ",-1,0,1,0,\n";
    curves << run.id << ",0,1\n" << run.id << ",1," << (run.gap.empty() ? "1" : run.gap) << "\n";
    ids += std::string(ids.empty() ? "" : ",") + "\"" + run.id + "\"";
  }
  for (std::size_t i = 0; i < extra_manifest_runs; ++i)
    ids += ",\"missing" + std::to_string(i) + "\"";
  std::ofstream(directory / "manifest.json")
      << "{\"config_digest\": \"0\", \"runs_header\": \"\", \"curves_header\": \"\", \"run_ids\": ["
      << ids << "]}\n";
  return directory;
}

}  // namespace

TEST_CASE("a theory bound none of whose steps could be checked neither held nor was violated") {
  // bound_held is empty in runs.csv where a run checked its bound at no step (it ended at its
  // first iterate, or the bound was NaN at every step): such runs are not counted as checked.
  const fs::path directory = write_sweep(
      "unchecked", {{"a", "none_checked", "npg", "1", "max_iterations", "0.1", "npg_agarwal", ""},
                    {"b", "none_checked", "npg", "1", "max_iterations", "0.1", "npg_agarwal", ""},
                    {"c", "one_held", "npg", "1", "max_iterations", "0.1", "npg_agarwal", "true"},
                    {"d", "one_held", "npg", "1", "max_iterations", "0.1", "npg_agarwal", ""},
                    {"e", "violated", "npg", "1", "max_iterations", "0.1", "npg_agarwal", "false"},
                    {"f", "violated", "npg", "1", "max_iterations", "0.1", "npg_agarwal", ""},
                    {"g", "no_bound", "spg", "1", "max_iterations", "0.1"}});
  const SweepSummary summary = summarize_sweep(directory);
  REQUIRE(summary.lines.size() == 4);
  CHECK(summary.lines[0].claim == "not checked");
  CHECK(summary.lines[1].claim == "held");
  CHECK(summary.lines[2].claim == "violated 1/1");
  CHECK(summary.lines[3].claim == "n/a");
  fs::remove_all(directory);
}

TEST_CASE("summaries count failed runs and never report a failed step as the best") {
  const fs::path directory =
      write_sweep("failed", {{"a", "five_by_five", "npg", "1e+308", "non_finite", "0"},
                             {"b", "five_by_five", "npg", "1", "max_iterations", "0.0015"},
                             {"c", "five_by_five", "spma", "5", "step_invalid", "nan"},
                             {"d", "five_by_five", "spma", "9", "line_search_failed", "1e-20"},
                             {"e", "bandit", "npg", "2", "converged", "1e-9"},
                             {"f", "bandit", "npg", "3", "converged", "1e-9"}});
  const SweepSummary summary = summarize_sweep(directory);
  CHECK_FALSE(summary.coverage.partial());
  const std::vector<SummaryLine>& lines = summary.lines;
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].best_step == "1");
  CHECK(lines[0].steps == 2);
  CHECK(lines[0].failed == 1);
  CHECK(lines[0].runs == 1);
  CHECK(lines[0].median_final_suboptimality == doctest::Approx(0.0015));
  // Every SPMA run failed: no best step, no numbers.
  CHECK(lines[1].best_step == "-");
  CHECK(lines[1].failed == 2);
  CHECK(lines[1].runs == 0);
  CHECK(std::isnan(lines[1].median_final_suboptimality));
  CHECK(lines[1].convergence == "-");
  // A tie in the final gap and in the area: the first step of the grid.
  CHECK(lines[2].best_step == "2");
  CHECK(lines[2].failed == 0);

  std::ostringstream table;
  print_summary(table, summary);
  CHECK(table.str().find("mdp ") == 0);
  CHECK(table.str().find("failed") != std::string::npos);
  std::ostringstream csv;
  print_summary_csv(csv, lines);
  CHECK(csv.str().find("mdp,algorithm,best_step,steps,runs,failed,") == 0);
  CHECK(csv.str().find("five_by_five,spma,-,2,0,2,") != std::string::npos);
  fs::remove_all(directory);
}

TEST_CASE("a runs.csv without every run of the manifest is refused unless partial is allowed") {
  // The manifest lists 2 runs that runs.csv does not hold (an interrupted sweep, a failed merge).
  const fs::path directory =
      write_sweep("partial", {{"a", "five_by_five", "npg", "1", "converged", "1e-9"}}, 2);
  const std::string refused = tabrl::testing::input_error_of([&] { summarize_sweep(directory); });
  CHECK(refused.find(directory.string() +
                     ": runs.csv holds 1 of 3 runs of the sweep (2 missing)") == 0);
  CHECK(refused.find("tabrl sweep") != std::string::npos);
  CHECK(refused.find("tabrl merge") != std::string::npos);
  CHECK(refused.find("--partial") != std::string::npos);

  const SweepSummary summary = summarize_sweep(directory, /*allow_partial=*/true);
  CHECK(summary.coverage.partial());
  CHECK(summary.coverage.text() == "partial: 1 of 3 runs");
  REQUIRE(summary.lines.size() == 1);
  std::ostringstream table;
  print_summary(table, summary);
  CHECK(table.str().find("partial: 1 of 3 runs") == 0);

  // No runs.csv at all, and rows of another grid.
  fs::remove(directory / "runs.csv");
  const std::string unassembled =
      tabrl::testing::input_error_of([&] { summarize_sweep(directory, true); });
  CHECK(unassembled.find("no runs.csv yet: the journals hold 0 of 3 runs") != std::string::npos);
  const fs::path foreign =
      write_sweep("foreign", {{"a", "five_by_five", "npg", "1", "converged", "1e-9"}});
  std::ofstream(foreign / "manifest.json")
      << R"({"config_digest": "0", "runs_header": "", "curves_header": "", "run_ids": ["b"]})";
  CHECK(tabrl::testing::input_error_of([&] {
          summarize_sweep(foreign, true);
        }).find("1 rows are runs that manifest.json does not list") != std::string::npos);
  fs::remove_all(directory);
  fs::remove_all(foreign);
}

TEST_CASE("a runs.csv repeating a run, or a CSV file cut short, is refused") {
  // tabrl writes each run once and ends every line with a line break: a repeated row (an edited
  // file) or a last line without one (a full disk, an interrupted copy) is refused by name.
  const fs::path directory =
      write_sweep("repeated", {{"a", "five_by_five", "npg", "1", "converged", "1e-9"},
                               {"a", "five_by_five", "npg", "1", "converged", "1e-9"}});
  const std::string repeated =
      tabrl::testing::input_error_of([&] { summarize_sweep(directory, true); });
  CHECK(repeated.find("runs.csv: 1 rows repeat a run listed before") != std::string::npos);
  CHECK(repeated.find("tabrl merge") != std::string::npos);

  const fs::path cut = write_sweep("cut", {{"a", "five_by_five", "npg", "1", "converged", "1e-9"}});
  const auto chop = [](const fs::path& file) {  // drops the last line break only
    fs::resize_file(file, fs::file_size(file) - 1);
  };
  chop(cut / "runs.csv");
  CHECK(tabrl::testing::input_error_of([&] {
          summarize_sweep(cut);
        }).find("runs.csv:2: the last line has no line break: the file was cut short") !=
        std::string::npos);
  CHECK(tabrl::testing::input_error_of([&] {
          require_line_break_at_end((cut / "runs.csv").string());
        }).find("cut short") != std::string::npos);
  require_line_break_at_end((cut / "curves.csv").string());  // intact: no error
  chop(cut / "curves.csv");
  CHECK(tabrl::testing::input_error_of([&] {
          require_line_break_at_end((cut / "curves.csv").string());
        }).find("curves.csv: the last line has no line break") != std::string::npos);
  fs::remove_all(directory);
  fs::remove_all(cut);
}

TEST_CASE("the reproduction report refuses partial sweeps unless allowed, then says so") {
  const fs::path root = fs::temp_directory_path() / "tabrl_summary_test_report";
  fs::remove_all(root);
  fs::create_directories(root);
  const fs::path mdps =
      write_sweep("report_npg", {{"a", "five_by_five", "spma", "1", "converged", "1e-9"}}, 1);
  const fs::path bandits =
      write_sweep("report_bandits", {{"b", "bandit", "spma", "gap", "converged", "1e-12"}});
  fs::rename(mdps, root / "npg_comparison");
  fs::rename(bandits, root / "bandits");
  CHECK(tabrl::testing::input_error_of([&] {
          write_report(root);
        }).find("runs.csv holds 1 of 2 runs of the sweep") != std::string::npos);
  const std::string report = write_report(root, /*allow_partial=*/true);
  CHECK(report.find("**npg_comparison: partial: 1 of 2 runs**") != std::string::npos);
  CHECK(report.find("bandits: partial") == std::string::npos);
  // A sweep that never ran is named, not passed over.
  CHECK(report.find("**theory_steps: not run**: its claims have no data.") != std::string::npos);
  CHECK(report.find("**bandits: not run**") == std::string::npos);
  fs::remove_all(root);
}
