#include "experiments/algorithm_registry.hpp"

#include <charconv>
#include <cmath>

#include "algorithms/npg.hpp"
#include "algorithms/spg.hpp"
#include "algorithms/spma.hpp"
#include "algorithms/theory.hpp"
#include "core/error.hpp"

namespace tabrl {
namespace {

double numeric_step(const std::string& text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw InputError({.field = "step_size"},
                     "expected a number or one of theory, safe, gap; got '" + text + "'");
  }
  return value;
}

[[noreturn]] void no_such_rule(const std::string& algorithm, const std::string& rule) {
  throw InputError({.field = "step_size"},
                   "'" + rule + "' is not a step-size rule of " + algorithm +
                       " (see `tabrl list`)");
}

}  // namespace

std::vector<AlgorithmInfo> algorithm_catalog() {
  return {
      {"spma",
       "softmax policy mirror ascent (Asad et al. 2025): z += log1p(eta A)",
       {{"step_size", "number | safe | gap", "",
         "eta; 'safe' = 0.99 (1-gamma)/R; 'gap' = 1/|r(a)-r(a')| on bandits"},
        {"clip", "flag", "off", "use max(1 + eta A, clip_floor) instead of stopping"},
        {"clip_floor", "number", "1e-8", "floor of the clipped factor"}}},
      {"npg",
       "natural policy gradient (Kakade 2001): z += eta A",
       {{"step_size", "number", "", "eta (Agarwal et al. write eta/(1-gamma))"}}},
      {"spg",
       "softmax policy gradient (Mei et al. 2020): z += eta dJ/dz",
       {{"step_size", "number | theory", "", "eta; 'theory' = (1-gamma)^3/(8R), bandits 2/(5R)"}}},
  };
}

std::unique_ptr<UpdateRule> make_update_rule(const AlgorithmSettings& settings, const Mdp& mdp) {
  const std::string& step = settings.step_size;
  const bool named = !step.empty() && std::isalpha(static_cast<unsigned char>(step.front()));
  if (settings.name == "spma") {
    SpmaOptions options{.clip = settings.clip, .clip_floor = settings.clip_floor};
    if (step == "gap") {
      options.gap_dependent = true;
    } else if (step == "safe") {
      options.step_size = 0.99 * spma_safe_step(mdp);
    } else if (named) {
      no_such_rule("spma", step);
    } else {
      options.step_size = numeric_step(step);
    }
    return std::make_unique<Spma>(mdp, options);
  }
  if (settings.clip) {
    throw InputError({.field = "clip"}, "only spma has a clip mode, not " + settings.name);
  }
  if (settings.name == "npg") {
    if (named) no_such_rule("npg", step);
    return std::make_unique<Npg>(NpgOptions{.step_size = numeric_step(step)});
  }
  if (settings.name == "spg") {
    double eta = 0.0;
    if (step == "theory") {
      eta = spg_theory_step(mdp);
    } else if (named) {
      no_such_rule("spg", step);
    } else {
      eta = numeric_step(step);
    }
    return std::make_unique<Spg>(SpgOptions{.step_size = eta});
  }
  throw InputError({.field = "algo"},
                   "unknown algorithm '" + settings.name + "' (known: spma, npg, spg)");
}

}  // namespace tabrl
