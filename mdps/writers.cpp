#include "writers.hpp"

#include <tabrl/core/error.hpp>

namespace tabrl {

void check_writable_names(const std::vector<std::string>& names, const std::string& what,
                          const std::string& format,
                          const std::function<bool(const std::string&)>& also_refused) {
  for (const std::string& name : names) {
    const bool ok = !name.empty() && name.find_first_of(" \t\r\n,\"#:") == std::string::npos &&
                    !(also_refused && also_refused(name));
    if (!ok) {
      throw InputError({.field = what + "_names"},
                       what + " name '" + name + "' cannot be written in " + format + " format");
    }
  }
}

std::string name_or_index(const std::vector<std::string>& names, Index index) {
  return names.empty() ? std::to_string(index) : names[static_cast<std::size_t>(index)];
}

}  // namespace tabrl
