#include "experiments/algorithm_registry.hpp"

#include "core/format.hpp"

namespace tabrl {

std::unique_ptr<UpdateRule> make_update_rule(const AlgorithmSettings& settings, const Mdp& mdp) {
  Spec spec{.name = settings.name, .arguments = {}};
  if (settings.clip) {
    spec = spec.with("clip", "true").with("clip_floor", format_double(settings.clip_floor));
  }
  return make_algorithm(spec.to_string(), settings.step_size, mdp);
}

}  // namespace tabrl
