#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <unordered_set>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/report/csv_table.hpp>
#include <tabrl/sweep/curve_csv.hpp>
#include <tabrl/sweep/sweep_run.hpp>
#include <tabrl/sweep/sweep_store.hpp>

namespace tabrl {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kGapFloor = 1e-16;  // suboptimality at or below rounding counts as this

double median(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  const double low = values[n / 2 - 1], high = values[n / 2];
  return std::isinf(high) ? high : (low + high) / 2.0;
}

// Area under log10(max(gap, floor)) against iteration (trapezoids over the recorded points).
std::map<std::string, double> log_areas(const std::filesystem::path& curves_path) {
  const CsvTable curves = read_csv(curves_path.string());
  const std::size_t id = curves.column("run_id"), t = curves.column("iteration"),
                    gap = curves.column("suboptimality");
  std::map<std::string, double> area;
  std::string previous_id;
  double previous_t = 0.0, previous_log = 0.0;
  for (const auto& row : curves.rows) {
    const double iteration = table_number(row[t], 0.0);
    const double log_gap = std::log10(std::max(table_number(row[gap], kGapFloor), kGapFloor));
    if (row[id] == previous_id) {
      area[row[id]] += 0.5 * (log_gap + previous_log) * (iteration - previous_t);
    } else {
      area[row[id]] = 0.0;
    }
    previous_id = row[id];
    previous_t = iteration;
    previous_log = log_gap;
  }
  return area;
}

// Ranking value of a median: NaN (no data, or a NaN result) ranks as never reaching anything.
double rank_value(double value) { return std::isnan(value) ? kInfinity : value; }

}  // namespace

std::optional<std::size_t> best_step_index(const std::vector<StepCandidate>& candidates) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const StepCandidate& candidate = candidates[i];
    if (candidate.runs == 0 || candidate.failed > 0) continue;
    if (!best) {
      best = i;
      continue;
    }
    const double gap = rank_value(candidate.median_final_suboptimality);
    const double best_gap = rank_value(candidates[*best].median_final_suboptimality);
    const double area = rank_value(candidate.median_log_area);
    const double best_area = rank_value(candidates[*best].median_log_area);
    if (gap < best_gap || (gap == best_gap && area < best_area)) best = i;
  }
  return best;
}

std::string SweepCoverage::text() const {
  return "partial: " + std::to_string(present) + " of " + std::to_string(expected) + " runs";
}

namespace {

SweepCoverage coverage_of(const std::filesystem::path& directory, const SweepManifest& manifest,
                          const CsvTable* runs) {
  SweepCoverage coverage{.expected = manifest.run_ids.size(), .has_runs_csv = runs != nullptr};
  if (runs == nullptr) {
    // Shards sharing a directory assemble runs.csv only when the grid is complete; until then
    // the journals say how far the sweep got (read only, nothing is written).
    SweepStore store(directory);
    store.load();
    for (const std::string& id : manifest.run_ids) coverage.journaled += store.is_finished(id);
    return coverage;
  }
  const std::unordered_set<std::string> expected(manifest.run_ids.begin(), manifest.run_ids.end());
  std::unordered_set<std::string> seen;
  const std::size_t id = runs->column("run_id");
  for (const auto& row : runs->rows) {
    if (expected.count(row[id]) == 0) {
      ++coverage.foreign;
    } else if (seen.insert(row[id]).second) {
      ++coverage.present;
    } else {
      ++coverage.repeated;
    }
  }
  return coverage;
}

}  // namespace

SweepCoverage sweep_coverage(const std::filesystem::path& directory) {
  const SweepManifest manifest = read_manifest(directory);
  const std::filesystem::path runs_path = directory / "runs.csv";
  if (!std::filesystem::exists(runs_path)) return coverage_of(directory, manifest, nullptr);
  const CsvTable runs = read_csv(runs_path.string());
  return coverage_of(directory, manifest, &runs);
}

void require_coverage(const std::filesystem::path& directory, const SweepCoverage& coverage,
                      bool allow_partial) {
  const std::string finish =
      "finish it by running the same `tabrl sweep CONFIG --out " + directory.string() +
      "` again (it resumes; every shard, if it was sharded), or `tabrl merge " +
      directory.string() + " OTHER_DIR...` if shards ran into directories of their own";
  const std::size_t missing = coverage.expected - std::min(coverage.present, coverage.expected);
  if (!coverage.has_runs_csv) {
    throw InputError({.file = directory.string()},
                     "no runs.csv yet: the journals hold " + std::to_string(coverage.journaled) +
                         " of " + std::to_string(coverage.expected) + " runs of the sweep; " +
                         finish + " (merge also assembles the finished runs for --partial)");
  }
  // Rows tabrl did not write as they are: `merge` rebuilds runs.csv from the journals.
  const auto refuse_rows = [&](std::size_t count, const std::string& what) {
    if (count == 0) return;
    throw InputError({.file = (directory / "runs.csv").string()},
                     std::to_string(count) + " rows " + what + "; `tabrl merge " +
                         directory.string() + "` rebuilds runs.csv from the journals");
  };
  refuse_rows(coverage.foreign,
              "are runs that manifest.json does not list (left from another config?)");
  refuse_rows(coverage.repeated,
              "repeat a run listed before (tabrl writes each run once: was the file edited?)");
  if (coverage.partial() && !allow_partial) {
    throw InputError({.file = directory.string()},
                     "runs.csv holds " + std::to_string(coverage.present) + " of " +
                         std::to_string(coverage.expected) + " runs of the sweep (" +
                         std::to_string(missing) + " missing); " + finish +
                         "; or pass --partial to use the finished runs, marked as partial");
  }
}

SweepSummary summarize_sweep(const std::filesystem::path& directory, bool allow_partial,
                             const RunFilter& filter) {
  // The manifest says what the whole grid is; runs.csv may hold only part of it (a failed merge
  // writes the runs it has).
  const SweepManifest manifest = read_manifest(directory);
  const std::filesystem::path runs_path = directory / "runs.csv";
  std::optional<CsvTable> table;
  if (std::filesystem::exists(runs_path)) table = read_csv(runs_path.string());
  SweepSummary summary{.coverage = coverage_of(directory, manifest, table ? &*table : nullptr)};
  require_coverage(directory, summary.coverage, allow_partial);
  const CsvTable& runs = *table;
  const std::size_t id = runs.column("run_id"), mdp = runs.column("mdp_label"),
                    algorithm = runs.column("setting"), step = runs.column("step_size"),
                    clip = runs.column("clip"), final_gap = runs.column("final_suboptimality"),
                    rate = runs.column("rate"), bound = runs.column("theory_bound"),
                    held = runs.column("bound_held"), convergence = runs.column("convergence"),
                    r2 = runs.column("rate_r2"), status = runs.column("status");
  std::string tolerance_column;
  double smallest = kInfinity;
  for (const std::string& name : runs.header) {
    if (name.rfind("iters_to_", 0) == 0 && table_number(name.substr(9), kInfinity) < smallest) {
      smallest = table_number(name.substr(9), kInfinity);
      tolerance_column = name;
    }
  }
  const std::map<std::string, double> areas = log_areas(directory / "curves.csv");

  // (mdp, algorithm) -> step -> rows, in first-appearance order.
  std::vector<std::pair<std::string, std::string>> group_order;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> step_order;
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::size_t>> members;
  for (std::size_t r = 0; r < runs.rows.size(); ++r) {
    const auto& row = runs.rows[r];
    if (filter && !filter(row, runs)) continue;
    const auto group = std::make_pair(row[mdp], row[algorithm]);
    if (!step_order.count(group)) group_order.push_back(group);
    auto& steps = step_order[group];
    // A clipped SPMA step is a different setting from the same unclipped step.
    const std::string step_key = row[step] + (row[clip] == "true" ? "+clip" : "");
    if (std::find(steps.begin(), steps.end(), step_key) == steps.end()) steps.push_back(step_key);
    members[{row[mdp], row[algorithm], step_key}].push_back(r);
  }

  for (const auto& group : group_order) {
    // Every setting's line and ranking values; the best one becomes the group's line.
    std::vector<SummaryLine> settings;
    std::vector<StepCandidate> candidates;
    std::size_t failed_runs = 0;
    for (const std::string& step_size : step_order[group]) {
      const auto& rows = members[{group.first, group.second, step_size}];
      std::vector<double> gaps, rates, reached, run_areas, fits;
      std::map<std::string, int> kinds;
      std::size_t checked = 0, violated = 0, failed = 0;
      std::string bound_name = "none";
      for (std::size_t r : rows) {
        const auto& row = runs.rows[r];
        if (is_failed_status(row[status])) ++failed;
        const double final = table_number(row[final_gap], kInfinity);
        gaps.push_back(std::isnan(final) ? kInfinity : std::max(final, kGapFloor));
        rates.push_back(table_number(row[rate], std::numeric_limits<double>::quiet_NaN()));
        fits.push_back(table_number(row[r2], std::numeric_limits<double>::quiet_NaN()));
        ++kinds[row[convergence]];
        if (!tolerance_column.empty())
          reached.push_back(table_number(row[runs.column(tolerance_column)], kInfinity));
        const auto area = areas.find(row[id]);
        run_areas.push_back(area == areas.end() ? kInfinity : area->second);
        if (row[bound] != "none") bound_name = row[bound];
        // bound_held is empty where no step could be checked: neither held nor violated.
        if (row[held] == "true" || row[held] == "false") {
          ++checked;
          if (row[held] == "false") ++violated;
        }
      }
      failed_runs += failed;
      candidates.push_back({.runs = rows.size(),
                            .failed = failed,
                            .median_final_suboptimality = median(gaps),
                            .median_log_area = median(run_areas)});
      const auto most_common = [](const auto& a, const auto& b) { return a.second < b.second; };
      settings.push_back(
          {.mdp = group.first,
           .algorithm = group.second,
           .best_step = step_size,
           .runs = rows.size(),
           .median_final_suboptimality = median(gaps),
           .median_rate = median(rates),
           .tolerance_column = tolerance_column,
           .median_iterations_to_tolerance = reached.empty() ? kInfinity : median(reached),
           .convergence = std::max_element(kinds.begin(), kinds.end(), most_common)->first,
           .median_r_squared = median(fits),
           .theory_bound = bound_name,
           .claim = checked == 0 ? (bound_name == "none" ? "n/a" : "not checked")
                    : violated == 0
                        ? "held"
                        : "violated " + std::to_string(violated) + "/" + std::to_string(checked)});
    }
    const std::optional<std::size_t> best = best_step_index(candidates);
    SummaryLine line;
    if (best) {
      line = settings[*best];
    } else {  // every step size had a failed run: there is no best step to report
      constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();
      line = {.mdp = group.first,
              .algorithm = group.second,
              .best_step = "-",
              .median_final_suboptimality = kNoData,
              .median_rate = kNoData,
              .tolerance_column = tolerance_column,
              .median_iterations_to_tolerance = kInfinity,
              .convergence = "-",
              .median_r_squared = kNoData,
              .theory_bound = "none",
              .claim = "n/a"};
    }
    line.steps = step_order[group].size();
    line.failed = failed_runs;
    summary.lines.push_back(line);
  }
  return summary;
}

void print_summary(std::ostream& out, const SweepSummary& summary) {
  const std::vector<SummaryLine>& lines = summary.lines;
  if (summary.coverage.partial()) {
    out << summary.coverage.text() << " (the other runs are missing; best steps and medians are "
        << "over the finished runs only)\n";
  }
  const std::string tolerance = lines.empty() ? "iters_to_tol" : lines.front().tolerance_column;
  std::vector<std::vector<std::string>> table{{"mdp", "algorithm", "best_step", "steps", "runs",
                                               "failed", "median_final_subopt", "median_rate",
                                               tolerance, "convergence", "theory_bound", "claim"}};
  for (const SummaryLine& line : lines) {
    const auto number = format_brief;
    table.push_back({line.mdp, line.algorithm, line.best_step, std::to_string(line.steps),
                     std::to_string(line.runs), std::to_string(line.failed),
                     number(line.median_final_suboptimality), number(line.median_rate),
                     number(line.median_iterations_to_tolerance), line.convergence,
                     line.theory_bound, line.claim});
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : table) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << std::left << std::setw(static_cast<int>(width[c])) << row[c]
          << (c + 1 < row.size() ? "  " : "\n");
    }
  }
}

}  // namespace tabrl

namespace tabrl {

void print_summary_csv(std::ostream& out, const std::vector<SummaryLine>& lines) {
  out << "mdp,algorithm,best_step,steps,runs,failed,median_final_suboptimality,median_rate,"
         "median_rate_r2,tolerance_column,median_iterations_to_tolerance,convergence,theory_bound,"
         "claim\n";
  for (const SummaryLine& line : lines) {
    out << csv_field(line.mdp) << ',' << csv_field(line.algorithm) << ','
        << csv_field(line.best_step) << ',' << line.steps << ',' << line.runs << ',' << line.failed
        << ',' << format_double(line.median_final_suboptimality) << ','
        << format_double(line.median_rate) << ',' << format_double(line.median_r_squared) << ','
        << line.tolerance_column << ',' << format_double(line.median_iterations_to_tolerance) << ','
        << line.convergence << ',' << line.theory_bound << ',' << csv_field(line.claim) << '\n';
  }
}

}  // namespace tabrl
