// The reproduction report: for each convergence claim, the figure, the measured numbers and a
// verdict computed from the sweep data.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <tabrl/core/enum_names.hpp>
#include <tabrl/report/summary.hpp>

namespace tabrl {

enum class Verdict { supported, partly_supported, not_supported, no_data };
constexpr EnumName<Verdict> kVerdictNames[] = {{Verdict::supported, "SUPPORTED"},
                                               {Verdict::partly_supported, "PARTLY SUPPORTED"},
                                               {Verdict::not_supported, "NOT SUPPORTED"},
                                               {Verdict::no_data, "NO DATA"}};
inline const char* to_string(Verdict verdict) { return enum_name(verdict, kVerdictNames); }

// k of n cases agree: all -> supported, at least half -> partly, fewer -> not; n = 0 -> no data.
Verdict verdict_from_counts(std::size_t agreeing, std::size_t cases);

struct ClaimResult {
  std::string claim;
  std::string figure;  // relative path from the report
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // the measured numbers, one row per case
  std::size_t agreeing = 0;
  std::size_t cases = 0;
  Verdict verdict = Verdict::no_data;
  std::string rule;  // how the verdict is computed
};

// Claim 1: SPMA with a constant step converges linearly (non-clipped SPMA at its best step).
ClaimResult spma_linear_claim(const std::vector<SummaryLine>& unclipped);
// Claim 2: SPMA is comparable to NPG: both reach the smallest tolerance and SPMA needs at most 10
// times NPG's iterations.
ClaimResult spma_npg_claim(const std::vector<SummaryLine>& lines);
// Claim 3: SPMA is faster than constant-step softmax PG: fewer iterations to the smallest
// tolerance, or softmax PG never reaches it.
ClaimResult spma_spg_claim(const std::vector<SummaryLine>& lines);
// Claim 4: SPMA with the gap-dependent step is super-linear on bandits.
ClaimResult bandit_gap_claim(const std::vector<SummaryLine>& lines);

// Reads the reproduction directory (bandits/, mdps/, accuracy/, sensitivity/) and returns the
// markdown of report.md. A sweep with missing runs is refused (InputError) unless
// `allow_partial`; the report then says "partial: N of M runs" for it.
std::string write_report(const std::filesystem::path& directory, bool allow_partial = false);

}  // namespace tabrl
