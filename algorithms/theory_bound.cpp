#include "algorithms/theory_bound.hpp"

namespace tabrl {

const char* to_string(TheoryBound bound) {
  switch (bound) {
    case TheoryBound::none:
      return "none";
    case TheoryBound::spma_contraction:
      return "spma_contraction";
    case TheoryBound::spma_bandit_constant:
      return "spma_bandit_constant";
    case TheoryBound::spma_bandit_gap:
      return "spma_bandit_gap";
    case TheoryBound::npg_agarwal:
      return "npg_agarwal";
    case TheoryBound::spg_bandit:
      return "spg_bandit";
  }
  return "none";
}

}  // namespace tabrl
