#include "spma.hpp"

#include <array>
#include <cmath>
#include <limits>

#include <tabrl/algorithms/step_size.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/vector_math.hpp>

namespace tabrl {
namespace {

double sign(double x) { return static_cast<double>((x > 0.0) - (x < 0.0)); }

}  // namespace

void SpmaOptions::validate(const Mdp& mdp) const {
  if (gap_dependent) {
    if (!mdp.is_bandit()) {
      throw InputError({.field = "step_size"},
                       "the gap-dependent SPMA step is defined for bandits (one state, gamma = 0) "
                       "only; this MDP has " +
                           std::to_string(mdp.num_states()) + " states and gamma " +
                           format_number(mdp.gamma()));
    }
  } else {
    validate_step_size(step_size);
  }
  if (clip && (!(clip_floor > 0.0) || !(clip_floor < 1.0))) {
    throw InputError({.field = "clip_floor"},
                     "must be in (0, 1), got " + format_number(clip_floor));
  }
}

Spma::Spma(const Mdp& mdp, SpmaOptions options) : options_(options) { options_.validate(mdp); }

TheoryBound Spma::theory_bound(const Mdp& mdp) const {
  if (options_.gap_dependent) return TheoryBound::spma_bandit_gap;
  if (options_.clip || options_.geometric) return TheoryBound::none;
  if (mdp.is_bandit()) {
    return options_.step_size * mdp.reward_range() <= 1.0 ? TheoryBound::spma_bandit_constant
                                                          : TheoryBound::none;
  }
  // The theorem's condition eta < (1 - gamma) / R with the reward range itself: when every reward
  // is the same every step satisfies it (docs/theory.md, "Value scale").
  const double range = mdp.reward_range();
  return !(range > 0.0) || options_.step_size < (1.0 - mdp.gamma()) / range
             ? TheoryBound::spma_contraction
             : TheoryBound::none;
}

std::vector<std::string> Spma::diagnostic_names() const {
  if (options_.clip) return {"spma_c", "clipped"};
  return {"spma_c"};
}

StepReport Spma::gap_dependent_step(const Mdp& mdp, const StateActionMatrix& logits,
                                    StateActionMatrix& next_logits) {
  // 1 + sum_b pi_b sign(r_a - r_b) = sum_b pi_b (1 + sign(r_a - r_b)): weights 0 for better
  // arms, 1 for equal ones, 2 for worse ones. Summed in the log domain, it neither cancels
  // (1 + x with x near -1) nor underflows once the worse arms' probabilities are tiny.
  const auto means = mdp.rewards().row(0);
  const auto z = logits.row(0);
  const double z_max = z.maxCoeff();
  const double log_normaliser = z_max + std::log((z.array() - z_max).exp().sum());
  for (Index a = 0; a < means.size(); ++a) {
    double shift = -std::numeric_limits<double>::infinity();
    for (Index b = 0; b < means.size(); ++b) {
      if (means[b] <= means[a]) shift = std::max(shift, z[b]);
    }
    double total = 0.0;
    for (Index b = 0; b < means.size(); ++b) {
      if (means[b] <= means[a]) total += (1.0 + sign(means[a] - means[b])) * std::exp(z[b] - shift);
    }
    next_logits(0, a) = z[a] + shift + std::log(total) - log_normaliser;
  }
  return {};
}

StepReport Spma::step(const StepContext& context, const Evaluation& evaluation,
                      const StateActionMatrix& logits, StateActionMatrix& next_logits,
                      std::span<double> diagnostics) {
  diagnostics[0] = spma_contraction_constant(evaluation, partials_);
  if (options_.gap_dependent) {
    return gap_dependent_step(context.mdp, logits, next_logits);
  }
  const double eta = scheduled_step(options_.step_size, options_.geometric, context.mdp.gamma(),
                                    context.iteration);
  if (!std::isfinite(eta)) return non_finite_step(eta, context.iteration);
  const StateActionMatrix& advantage = evaluation.advantage;
  StepReport report{.step_size = eta};
  // z + log1p(eta A) entry by entry, states in parallel for large S (each entry is computed the
  // same way on any thread; the counts are exact). An entry with 1 + eta A <= 0 is left at 0 and
  // reported below, the first one in state order (the run then ends).
  const bool clip = options_.clip;
  const double floor = options_.clip_floor;
  const double log_floor = std::log(floor);
  // Up to eta = (1 - gamma)/R, 1 + eta A >= 0 is a theorem (A >= -R/(1 - gamma); on a bandit
  // eta <= 1/R), so a 1 + eta A at or below 0 there is a small positive multiplier lost to
  // rounding: at the bandit step eta = 1/R, the worst arm's 1 + eta A is the other arms' share
  // of the suboptimality, which rounds to 0 once J rounds to r*. Such an entry's multiplier is
  // eta times the values' accuracy (docs/theory.md, "Accuracy of the values"), the smallest
  // positive number the computed A can tell from 0, instead of an invalid step
  // (docs/algorithms.md, "SPMA").
  // Only within that accuracy: a 1 + eta A below -(2 eta a value_scale + rounding) means an
  // evaluation error beyond its accuracy, and the run ends step_invalid as before. With R = 0
  // every A is rounding noise and there is no theorem to lean on.
  const double gamma = context.mdp.gamma();
  const double range = context.mdp.reward_range();
  constexpr double kRounding = std::numeric_limits<double>::epsilon();
  // At most the accuracy itself (eta <= (1 - gamma)/R), so below 1.
  const double resolution =
      eta * value_accuracy(context.mdp, context.evaluator.solver()) * context.mdp.value_scale();
  const bool floor_applies =
      range > 0.0 && resolution > 0.0 && eta * range <= (1.0 - gamma) * (1.0 + 4.0 * kRounding);
  const double log_resolution = std::log(resolution);
  const auto rounded_to_zero = [&](double change) {
    return floor_applies && 1.0 + change >= -(2.0 * resolution + 4.0 * kRounding * (1.0 - change));
  };
  const Index actions = advantage.cols();
  const SimdLevel level = simd_level();
  const auto counts = chunked_sums<2>(advantage.rows(), partials_, [&](Index begin, Index end) {
    // The chunk's log1p(eta A) at once (core/vector_math), 0 where the step is clipped or invalid.
    const auto kept = [&](double change) {
      return 1.0 + change > floor || (!clip && 1.0 + change > 0.0);
    };
    const Index count = (end - begin) * actions;
    double* terms = next_logits.data() + begin * actions;
    const double* changes_of = advantage.data() + begin * actions;
    const double* current = logits.data() + begin * actions;
    bool all_kept = true;
    for (Index k = 0; k < count; ++k) {
      const double change = eta * changes_of[k];
      const bool keep = kept(change);
      terms[k] = keep ? change : 0.0;
      all_kept = all_kept && keep;
    }
    log1p_in_place(terms, count, level);
    if (all_kept) {  // the usual case: z + log1p(eta A) everywhere
      for (Index k = 0; k < count; ++k) terms[k] += current[k];
      return std::array<double, 2>{0.0, 0.0};
    }
    double clipped_count = 0.0, invalid_count = 0.0;
    for (Index s = begin; s < end; ++s) {
      bool clipped = false;
      for (Index a = 0; a < actions; ++a) {
        const double change = eta * advantage(s, a);
        if (kept(change)) {
          next_logits(s, a) += logits(s, a);
        } else if (clip) {
          next_logits(s, a) = logits(s, a) + log_floor;
          clipped = true;
        } else if (rounded_to_zero(change)) {
          next_logits(s, a) = logits(s, a) + log_resolution;
        } else {
          invalid_count += 1.0;
        }
      }
      clipped_count += clipped ? 1.0 : 0.0;
    }
    return std::array<double, 2>{clipped_count, invalid_count};
  });
  if (counts[1] > 0.0) {
    for (Index s = 0; s < advantage.rows() && report.outcome == StepOutcome::ok; ++s) {
      for (Index a = 0; a < advantage.cols(); ++a) {
        const double change = eta * advantage(s, a);
        if (1.0 + change > 0.0 || rounded_to_zero(change)) continue;
        const double safe_step = 1.0 / (-advantage.minCoeff());
        report.outcome = StepOutcome::invalid;
        report.message = "SPMA step invalid at iteration " + std::to_string(context.iteration) +
                         ": 1 + eta * A = " + format_number(1.0 + change) + " <= 0 at state " +
                         context.mdp.state_label(s) + ", action " + context.mdp.action_label(a) +
                         " (eta = " + format_number(eta) +
                         ", A = " + format_number(advantage(s, a)) + "); steps must stay below " +
                         format_number(safe_step) + " here, or use clip mode";
        break;
      }
    }
  }
  const auto clipped_states = static_cast<int>(counts[0]);
  if (options_.clip) diagnostics[1] = clipped_states;
  return report;
}

AlgorithmEntry spma_algorithm() {
  return {
      .name = "spma",
      .description = "softmax policy mirror ascent: z += log1p(eta A)",
      .reference = "Asad, Babanezhad, Laradji, Le Roux, Vaswani, AISTATS 2025, arXiv 2411.12042",
      .parameters = {{"clip", "boolean", "false",
                      "use max(1 + eta A, clip_floor) and renormalise instead of stopping"},
                     {"clip_floor",
                      "number",
                      "1e-8",
                      "floor of the clipped factor",
                      {},
                      {.low = 0.0, .high = 1.0, .low_open = true, .high_open = true}}},
      .step_rules = {{"safe", "0.99 (1-gamma)/R, below the bound that keeps 1 + eta A > 0"},
                     {"gap", "bandits: eta_{a,a'} = 1/|r(a) - r(a')| (1 - pi(a*) squares)", true}},
      .diagnostics = {"spma_c", "clipped"},
      .make = [](const SpecArguments& args, const StepSize& step, const Mdp& mdp) {
        SpmaOptions options{.geometric = step.geometric,
                            .clip = args.boolean("clip"),
                            .clip_floor = args.number("clip_floor")};
        // A floor other than the default means nothing without clipping: a forgotten
        // clip=true. (Checked when the rule is built, so that a sweep may cross a clip axis
        // with a floor: its unclipped runs then end with this error.)
        if (!options.clip && options.clip_floor != SpmaOptions{}.clip_floor) {
          throw InputError({.field = "spma.clip_floor"}, "applies only with clip=true");
        }
        if (step.rule == "gap") {
          options.gap_dependent = true;
        } else if (step.rule == "safe") {
          options.step_size = safe_step_rule(mdp);
        } else {
          options.step_size = step.value;
        }
        return std::unique_ptr<UpdateRule>(std::make_unique<Spma>(mdp, options));
      }};
}

}  // namespace tabrl
