// How an optimization run ended. Non-convergence is a status, never an exception.
#pragma once

#include <string_view>

#include <tabrl/core/enum_names.hpp>

namespace tabrl {

enum class RunStatus {
  converged,           // a callback reported the target accuracy
  max_iterations,      // the iteration budget ran out
  non_finite,          // a value, step or parameter became NaN or infinite
  step_invalid,        // the update is undefined at this step size (SPMA with 1 + eta A <= 0)
  stopped,             // a callback stopped the run (time limit, user request)
  interrupted,         // the caller raised the cancel flag (Ctrl-C, SIGTERM): the curve is kept
  stationary,          // the gradient is zero: the iterate is a fixed point of the method
  line_search_failed,  // Armijo's backtracking accepted no trial step
};

constexpr EnumName<RunStatus> kRunStatusNames[] = {
    {RunStatus::converged, "converged"},   {RunStatus::max_iterations, "max_iterations"},
    {RunStatus::non_finite, "non_finite"}, {RunStatus::step_invalid, "step_invalid"},
    {RunStatus::stopped, "stopped"},       {RunStatus::interrupted, "interrupted"},
    {RunStatus::stationary, "stationary"}, {RunStatus::line_search_failed, "line_search_failed"}};

// Whether a run that ended so failed (exit status 1, never the best step of a sweep): it left
// the region where its update is defined.
constexpr bool is_failure(RunStatus status) {
  return status == RunStatus::non_finite || status == RunStatus::step_invalid ||
         status == RunStatus::line_search_failed;
}

inline std::string_view to_string(RunStatus status) { return enum_name(status, kRunStatusNames); }

}  // namespace tabrl
