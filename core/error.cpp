#include "error.hpp"

#include <new>

namespace tabrl {
namespace {

std::string format_error(const InputLocation& location, const std::string& message) {
  std::string text;
  if (!location.file.empty()) {
    text += location.file;
    if (location.line > 0) text += ":" + std::to_string(location.line);
    text += ": ";
  }
  if (!location.field.empty()) text += location.field + ": ";
  return text + message;
}

}  // namespace

InputError::InputError(InputLocation location, const std::string& message)
    : std::runtime_error(format_error(location, message)),
      location_(std::move(location)),
      message_(message) {}

std::string exception_text(const std::exception& error) {
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) {
    return "out of memory: the MDP or the run needs more memory than this process can allocate";
  }
  return error.what();
}

}  // namespace tabrl
