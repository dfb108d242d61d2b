#include "experiments/curve_csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tabrl {

void write_curve_header(std::ostream& out, const CurveColumns& columns) {
  out << "iteration,objective,suboptimality,value_error_inf,step_size";
  if (columns.optimal_action_prob) out << ",optimal_action_prob";
  for (const std::string& name : columns.diagnostics) out << ',' << name;
  out << '\n';
}

void write_curve_row(std::ostream& out, const CurveColumns& columns, const CurvePoint& point) {
  out << point.iteration << ',' << format_double(point.objective) << ','
      << format_double(point.suboptimality) << ',' << format_double(point.value_error_inf) << ','
      << format_double(point.step_size);
  if (columns.optimal_action_prob) out << ',' << format_double(point.optimal_action_prob);
  for (double value : point.diagnostics) out << ',' << format_double(value);
  out << '\n';
}

void write_curve_rows(std::ostream& out, const CurveColumns& columns,
                      const std::vector<CurvePoint>& points) {
  for (const CurvePoint& point : points) write_curve_row(out, columns, point);
}

}  // namespace tabrl
