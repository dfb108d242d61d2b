// The reproduction configs and the verdict logic of the report.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tabrl/report/report.hpp>
#include <tabrl/sweep/sweep_config.hpp>

using namespace tabrl;

namespace {

std::string config_path(const std::string& name) {
  return std::string(TABRL_SOURCE_DIR) + "/experiments/configs/" + name + ".toml";
}

SummaryLine line(const std::string& mdp, const std::string& algorithm, double iterations,
                 const std::string& convergence = "linear", double rate = 0.9) {
  return {.mdp = mdp,
          .algorithm = algorithm,
          .best_step = "1",
          .median_final_suboptimality = 1e-12,
          .median_rate = rate,
          .median_iterations_to_tolerance = iterations,
          .convergence = convergence,
          .theory_bound = "none",
          .claim = "n/a"};
}

constexpr double kNever = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("every reproduction config parses and expands to the expected grid") {
  CHECK(load_sweep_config(config_path("bandits")).runs.size() == 18 * 7);  // 18 bandits x 7
  CHECK(load_sweep_config(config_path("mdps")).runs.size() == 16 * (4 + 9 + 9 + 6));
  CHECK(load_sweep_config(config_path("sensitivity")).runs.size() == 5 * 30);
  CHECK(load_sweep_config(config_path("accuracy")).runs.size() == 5 * 3);
  CHECK(load_sweep_config(config_path("demo")).runs.size() > 0);
}

TEST_CASE("verdicts from counts") {
  CHECK(verdict_from_counts(3, 3) == Verdict::supported);
  CHECK(verdict_from_counts(2, 3) == Verdict::partly_supported);
  CHECK(verdict_from_counts(1, 3) == Verdict::not_supported);
  CHECK(verdict_from_counts(0, 0) == Verdict::no_data);
}

TEST_CASE("claims are decided from the measured numbers") {
  // Linear: a sublinear or stalled SPMA curve does not agree.
  const ClaimResult linear =
      spma_linear_claim({line("a", "spma", 100), line("b", "spma", kNever, "sublinear", 0.9999),
                         line("c", "spma", 50, "superlinear", 0.1), line("c", "npg", 10)});
  CHECK(linear.cases == 3);
  CHECK(linear.agreeing == 2);
  CHECK(linear.verdict == Verdict::partly_supported);
  // Comparable: SPMA at most 10 times NPG's iterations; both must reach the tolerance.
  const ClaimResult comparable = spma_npg_claim(
      {line("a", "spma", 100), line("a", "npg", 20), line("b", "spma", 300), line("b", "npg", 20),
       line("c", "spma", kNever), line("c", "npg", 5), line("d", "spma", 3), line("d", "npg", 90)});
  CHECK(comparable.cases == 4);
  CHECK(comparable.agreeing == 2);  // a (5x) and d (faster); b is 15x slower, c never
  // Faster than SPG: fewer iterations, or SPG never gets there.
  const ClaimResult faster = spma_spg_claim({line("a", "spma", 100), line("a", "spg", kNever),
                                             line("b", "spma", 100), line("b", "spg", 50)});
  CHECK(faster.agreeing == 1);
  CHECK(faster.verdict == Verdict::partly_supported);
  // Super-linear bandits: classification and the per-step check must both hold.
  SummaryLine held = line("k2", "spma", 5, "superlinear", 0.001);
  held.claim = "held";
  SummaryLine violated = held;
  violated.claim = "violated 1/3";
  SummaryLine linear_only = held;
  linear_only.convergence = "linear";
  const ClaimResult bandits = bandit_gap_claim({held, violated, linear_only});
  CHECK(bandits.cases == 3);
  CHECK(bandits.agreeing == 1);
  CHECK(bandits.verdict == Verdict::not_supported);
}
