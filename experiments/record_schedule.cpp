#include "experiments/record_schedule.hpp"

#include <charconv>

#include "core/error.hpp"

namespace tabrl {

RecordSchedule parse_record_schedule(const std::string& text) {
  RecordSchedule schedule;
  if (text == "all") return schedule;
  if (text == "log") {
    schedule.kind = RecordSchedule::Kind::log;
    return schedule;
  }
  int stride = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), stride);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || stride < 1) {
    throw InputError({.field = "record"},
                     "expected 'all', 'log' or a positive integer stride, got '" + text + "'");
  }
  schedule.kind = RecordSchedule::Kind::stride;
  schedule.stride = stride;
  return schedule;
}

}  // namespace tabrl
