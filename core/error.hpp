// Errors for bad input. Non-convergence is never an exception: see algorithms/status.hpp.
#pragma once

#include <stdexcept>
#include <string>

namespace tabrl {

// Where a piece of bad input came from. Every part is optional: a builder's parameter has a
// field but no file or line; a model built in memory has none.
struct InputLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string field;
};

// Bad input: a malformed file, an invalid parameter or an invalid model. what() reads
// "file:line: field: message" with the unknown parts left out.
class InputError : public std::runtime_error {
 public:
  InputError(InputLocation location, const std::string& message);
  explicit InputError(const std::string& message) : InputError(InputLocation{}, message) {}

  const InputLocation& location() const { return location_; }
  const std::string& message() const { return message_; }

 private:
  InputLocation location_;
  std::string message_;
};

// An exception's text for a message: what() for most, a sentence instead of "std::bad_alloc"
// where memory ran out (the CLI's failure line, a sweep run's message).
std::string exception_text(const std::exception& error);

}  // namespace tabrl
