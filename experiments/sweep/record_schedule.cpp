#include "record_schedule.hpp"

#include <charconv>

#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>

namespace tabrl {

RecordSchedule parse_record_schedule(const std::string& text) {
  RecordSchedule schedule;
  if (text == "all") return schedule;
  if (text == "log") {
    schedule.kind = RecordSchedule::Kind::log;
    return schedule;
  }
  const int stride = parse_int<int>(text).value_or(0);
  if (stride < 1) {
    throw InputError({.field = "record"},
                     "expected 'all', 'log' or a positive integer stride, got '" + text + "'");
  }
  schedule.kind = RecordSchedule::Kind::stride;
  schedule.stride = stride;
  return schedule;
}

}  // namespace tabrl
