// The curve CSV of DESIGN.md: iteration,objective,suboptimality,value_error_inf,step_size plus
// optimal_action_prob (bandits) and the method's diagnostic columns; 17 significant digits.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "algorithms/callbacks.hpp"
#include "core/format.hpp"

namespace tabrl {

struct CurveColumns {
  bool optimal_action_prob = false;
  std::vector<std::string> diagnostics;
};

void write_curve_header(std::ostream& out, const CurveColumns& columns);
void write_curve_row(std::ostream& out, const CurveColumns& columns, const CurvePoint& point);
void write_curve_rows(std::ostream& out, const CurveColumns& columns,
                      const std::vector<CurvePoint>& points);

}  // namespace tabrl
