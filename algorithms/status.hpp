// How an optimization run ended. Non-convergence is a status, never an exception.
#pragma once

#include <string_view>

#include "core/enum_names.hpp"

namespace tabrl {

enum class RunStatus {
  converged,       // a callback reported the target accuracy
  max_iterations,  // the iteration budget ran out
  non_finite,      // a value or logit became NaN or infinite
  step_invalid,    // the update is undefined at this step size (SPMA with 1 + eta A <= 0)
  stopped,         // a callback stopped the run (time limit, user request)
  interrupted,     // the caller raised the cancel flag (Ctrl-C, SIGTERM): the curve so far is kept
};

constexpr EnumName<RunStatus> kRunStatusNames[] = {
    {RunStatus::converged, "converged"},   {RunStatus::max_iterations, "max_iterations"},
    {RunStatus::non_finite, "non_finite"}, {RunStatus::step_invalid, "step_invalid"},
    {RunStatus::stopped, "stopped"},       {RunStatus::interrupted, "interrupted"}};

inline std::string_view to_string(RunStatus status) { return enum_name(status, kRunStatusNames); }

}  // namespace tabrl
