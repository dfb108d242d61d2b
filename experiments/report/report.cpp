#include "report.hpp"

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include <tabrl/report/csv_table.hpp>

namespace tabrl {
namespace {

const SummaryLine* find(const std::vector<SummaryLine>& lines, const std::string& mdp,
                        const std::string& algorithm) {
  for (const SummaryLine& line : lines) {
    if (line.mdp == mdp && line.algorithm == algorithm) return &line;
  }
  return nullptr;
}

std::vector<std::string> mdps_of(const std::vector<SummaryLine>& lines) {
  std::vector<std::string> mdps;
  for (const SummaryLine& line : lines) {
    if (std::find(mdps.begin(), mdps.end(), line.mdp) == mdps.end()) mdps.push_back(line.mdp);
  }
  return mdps;
}

void finish(ClaimResult& claim) {
  claim.verdict = verdict_from_counts(claim.agreeing, claim.cases);
}

}  // namespace

Verdict verdict_from_counts(std::size_t agreeing, std::size_t cases) {
  if (cases == 0) return Verdict::no_data;
  if (agreeing == cases) return Verdict::supported;
  if (2 * agreeing >= cases) return Verdict::partly_supported;
  return Verdict::not_supported;
}

ClaimResult spma_linear_claim(const std::vector<SummaryLine>& unclipped) {
  ClaimResult claim{.claim = "SPMA converges linearly with a constant step size",
                    .figure = "mdps/figures/convergence.png",
                    .header = {"MDP", "best constant step (no clipping)", "fitted rate q", "R^2",
                               "iterations to tol.", "classified", "theory bound"},
                    .rule =
                        "a case agrees when the runs at SPMA's best unclipped constant step are "
                        "classified linear (or super-linear) with a fitted q < 1"};
  for (const SummaryLine& line : unclipped) {
    if (line.algorithm != "spma") continue;
    ++claim.cases;
    const bool agrees = (line.convergence == "linear" || line.convergence == "superlinear") &&
                        line.median_rate < 1.0;
    claim.agreeing += agrees ? 1 : 0;
    claim.rows.push_back({line.mdp, line.best_step, format_brief(line.median_rate),
                          format_brief(line.median_r_squared),
                          format_brief(line.median_iterations_to_tolerance), line.convergence,
                          line.theory_bound + " " + line.claim});
  }
  finish(claim);
  return claim;
}

ClaimResult spma_npg_claim(const std::vector<SummaryLine>& lines) {
  ClaimResult claim{.claim = "SPMA is comparable to NPG",
                    .figure = "mdps/figures/iterations_to_accuracy.png",
                    .header = {"MDP", "SPMA step", "SPMA iterations", "SPMA q", "NPG step",
                               "NPG iterations", "NPG q", "ratio SPMA/NPG"},
                    .rule =
                        "a case agrees when both reach the smallest tolerance and SPMA needs at "
                        "most 10 times NPG's iterations (best step sizes of the same grid)"};
  for (const std::string& mdp : mdps_of(lines)) {
    const SummaryLine* spma = find(lines, mdp, "spma");
    const SummaryLine* npg = find(lines, mdp, "npg");
    if (spma == nullptr || npg == nullptr) continue;
    ++claim.cases;
    const double a = spma->median_iterations_to_tolerance, b = npg->median_iterations_to_tolerance;
    const double ratio = std::max(a, 1.0) / std::max(b, 1.0);
    const bool agrees = std::isfinite(a) && std::isfinite(b) && ratio <= 10.0;
    claim.agreeing += agrees ? 1 : 0;
    claim.rows.push_back({mdp, spma->best_step, format_brief(a), format_brief(spma->median_rate),
                          npg->best_step, format_brief(b), format_brief(npg->median_rate),
                          std::isfinite(a) && std::isfinite(b) ? format_brief(ratio) : "-"});
  }
  finish(claim);
  return claim;
}

ClaimResult spma_spg_claim(const std::vector<SummaryLine>& lines) {
  ClaimResult claim{.claim = "SPMA is faster than softmax PG with a constant step",
                    .figure = "mdps/figures/convergence.png",
                    .header = {"MDP", "SPMA iterations", "SPMA final gap", "SPG step",
                               "SPG iterations", "SPG final gap", "SPG classified"},
                    .rule =
                        "a case agrees when SPMA reaches the smallest tolerance in fewer "
                        "iterations than softmax PG at its best step, or softmax PG never does"};
  for (const std::string& mdp : mdps_of(lines)) {
    const SummaryLine* spma = find(lines, mdp, "spma");
    const SummaryLine* spg = find(lines, mdp, "spg");
    if (spma == nullptr || spg == nullptr) continue;
    ++claim.cases;
    const double a = spma->median_iterations_to_tolerance, b = spg->median_iterations_to_tolerance;
    const bool agrees = std::isfinite(a) && (!std::isfinite(b) || a < b);
    claim.agreeing += agrees ? 1 : 0;
    claim.rows.push_back({mdp, format_brief(a), format_brief(spma->median_final_suboptimality),
                          spg->best_step, format_brief(b),
                          format_brief(spg->median_final_suboptimality), spg->convergence});
  }
  finish(claim);
  return claim;
}

ClaimResult bandit_gap_claim(const std::vector<SummaryLine>& lines) {
  ClaimResult claim{.claim = "SPMA with the gap-dependent step converges super-linearly on bandits",
                    .figure = "bandits/figures/convergence.png",
                    .header = {"bandit", "best SPMA step", "classified", "iterations to tol.",
                               "delta_{t+1} <= delta_t^2"},
                    .rule =
                        "a case agrees when SPMA's gap-step runs are classified super-linear and "
                        "delta_{t+1} <= delta_t^2 held at every step of every run"};
  for (const SummaryLine& line : lines) {
    if (line.algorithm != "spma") continue;
    ++claim.cases;
    const bool agrees = line.convergence == "superlinear" && line.claim == "held";
    claim.agreeing += agrees ? 1 : 0;
    claim.rows.push_back({line.mdp, line.best_step, line.convergence,
                          format_brief(line.median_iterations_to_tolerance), line.claim});
  }
  finish(claim);
  return claim;
}

}  // namespace tabrl

namespace tabrl {
namespace {

std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
  std::string text = "|";
  for (const std::string& cell : header) text += " " + cell + " |";
  text += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) text += "---|";
  text += "\n";
  for (const auto& row : rows) {
    text += "|";
    for (const std::string& cell : row) text += " " + cell + " |";
    text += "\n";
  }
  return text;
}

std::string column_value(const std::vector<std::string>& row, const CsvTable& table,
                         const std::string& column) {
  return row[table.column(column)];
}

}  // namespace

std::string write_report(const std::filesystem::path& directory, bool allow_partial) {
  namespace fs = std::filesystem;
  // Every sweep of the report is checked against its manifest, also those only read for the
  // bound table below.
  std::vector<std::string> partial_notes;
  for (const char* sweep : {"bandits", "mdps", "sensitivity", "accuracy"}) {
    if (!fs::exists(directory / sweep / "manifest.json")) continue;
    const SweepCoverage coverage = sweep_coverage(directory / sweep);
    require_coverage(directory / sweep, coverage, allow_partial);
    if (coverage.partial()) partial_notes.push_back(std::string(sweep) + ": " + coverage.text());
  }
  const auto unclipped_constant = [](const std::vector<std::string>& row, const CsvTable& table) {
    return column_value(row, table, "setting") == "spma" &&
           column_value(row, table, "clip") != "true" &&
           column_value(row, table, "step_size") != "gap";
  };
  const auto gap_step = [](const std::vector<std::string>& row, const CsvTable& table) {
    return column_value(row, table, "setting") == "spma" &&
           column_value(row, table, "step_size") == "gap";
  };
  std::vector<ClaimResult> claims;
  const std::vector<SummaryLine> mdps = summarize_sweep(directory / "mdps", allow_partial).lines;
  claims.push_back(spma_linear_claim(
      summarize_sweep(directory / "mdps", allow_partial, unclipped_constant).lines));
  claims.push_back(spma_npg_claim(mdps));
  claims.push_back(spma_spg_claim(mdps));
  claims.push_back(
      bandit_gap_claim(summarize_sweep(directory / "bandits", allow_partial, gap_step).lines));

  std::ostringstream out;
  out << "# tabrl reproduction report\n\n"
      << "Written by `tabrl reproduce`. Every number below is read from the sweeps in this "
         "directory (`*/runs.csv`, `*/curves.csv`); every verdict is computed from them by the "
         "rule stated with it. The smallest tolerance of each sweep is the `iterations` target; "
         "`q` is the fitted per-iteration contraction factor of value_error_inf (docs/theory.md, "
         "Measuring a rate).\n\n";
  for (const std::string& note : partial_notes) {
    out << "**" << note << "**: the other runs are missing; the verdicts use the finished "
        << "ones.\n\n";
  }
  out << "| claim | verdict | cases agreeing |\n|---|---|---|\n";
  for (const ClaimResult& claim : claims) {
    out << "| " << claim.claim << " | **" << to_string(claim.verdict) << "** | " << claim.agreeing
        << " of " << claim.cases << " |\n";
  }
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const ClaimResult& claim = claims[i];
    out << "\n## " << i + 1 << ". " << claim.claim << ": " << to_string(claim.verdict) << "\n\n"
        << "![" << claim.claim << "](" << claim.figure << ")\n\n"
        << "Rule: " << claim.rule << ". Agreeing: " << claim.agreeing << " of " << claim.cases
        << ".\n\n"
        << markdown_table(claim.header, claim.rows);
  }

  // Theory bounds checked at every iteration of every run.
  out << "\n## Theory bounds checked at every iteration\n\n";
  std::vector<std::vector<std::string>> bound_rows;
  for (const char* sweep : {"bandits", "mdps", "sensitivity", "accuracy"}) {
    const fs::path runs_path = directory / sweep / "runs.csv";
    if (!fs::exists(runs_path)) continue;
    const CsvTable runs = read_csv(runs_path.string());
    std::map<std::string, std::pair<int, int>> counts;  // bound -> (runs, runs violated)
    for (const auto& row : runs.rows) {
      const std::string bound = column_value(row, runs, "theory_bound");
      if (bound == "none") continue;
      ++counts[bound].first;
      if (column_value(row, runs, "bound_held") != "true") ++counts[bound].second;
    }
    for (const auto& [bound, count] : counts) {
      bound_rows.push_back(
          {sweep, bound, std::to_string(count.first), std::to_string(count.second)});
    }
  }
  out << markdown_table(
      {"sweep", "bound (docs/theory.md)", "runs checked", "runs with a violation"}, bound_rows);
  out << "\n## Figures\n\n";
  for (const char* sweep : {"bandits", "mdps", "sensitivity", "accuracy"}) {
    for (const char* figure : {"convergence", "rate_vs_step", "iterations_to_accuracy", "spma_c"}) {
      const fs::path path = fs::path(sweep) / "figures" / (std::string(figure) + ".png");
      if (fs::exists(directory / path))
        out << "- [" << sweep << ": " << figure << "](" << path.string() << ")\n";
    }
  }
  return out.str();
}

}  // namespace tabrl
