// Parsing the recording schedule: "all", a positive integer stride, or "log".
#pragma once

#include <string>

#include <tabrl/algorithms/callbacks.hpp>

namespace tabrl {

RecordSchedule parse_record_schedule(const std::string& text);  // throws InputError

}  // namespace tabrl
