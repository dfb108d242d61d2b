// Numbers in messages: the shortest text that reads back as the same double.
#pragma once

#include <string>

namespace tabrl {

std::string format_number(double value);

}  // namespace tabrl
