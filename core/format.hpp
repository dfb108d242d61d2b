// Numbers in messages: the shortest text that reads back as the same double.
#pragma once

#include <string>

namespace tabrl {

std::string format_number(double value);

// 17 significant digits, the text of printf("%.17g") ("nan", "inf", "-inf" for non-finite
// values): what every data file tabrl writes uses.
std::string format_double(double value);

// 4 significant digits for tables meant to be read ("-" for NaN, "never" for infinity: an
// iteration count that was not reached).
std::string format_brief(double value);

}  // namespace tabrl
