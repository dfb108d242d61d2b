// How an optimization run ended. Non-convergence is a status, never an exception.
#pragma once

#include <string_view>

namespace tabrl {

enum class RunStatus {
  converged,       // a callback reported the target accuracy
  max_iterations,  // the iteration budget ran out
  non_finite,      // a value or logit became NaN or infinite
  step_invalid,    // the update is undefined at this step size (SPMA with 1 + eta A <= 0)
  stopped,         // a callback stopped the run (time limit, user request)
  interrupted,     // the caller raised the cancel flag (Ctrl-C, SIGTERM): the curve so far is kept
};

std::string_view to_string(RunStatus status);

}  // namespace tabrl
