// libFuzzer harness for the MDP readers: one binary per row of the format table
// (mdps/formats.hpp), the row named at compile time by TABRL_FUZZ_FORMAT. Any input must end in
// a model or an InputError: a crash, a leak, undefined behaviour, a timeout or any other
// exception is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/mdps/assembler.hpp>
#include <tabrl/mdps/formats.hpp>

namespace {

const tabrl::MdpFormat& fuzzed_format() {
  static const tabrl::MdpFormat* const format = tabrl::find_mdp_format(TABRL_FUZZ_FORMAT);
  if (format == nullptr) {
    std::fprintf(stderr, "fuzz: no MDP format '%s' in mdps/formats.cpp\n", TABRL_FUZZ_FORMAT);
    std::abort();
  }
  return *format;
}

void read(const std::string& text, tabrl::ErrorList* errors) {
  const tabrl::MdpFormat& format = fuzzed_format();
  format.read(text, "fuzz" + std::string(format.extensions.front()), {}, errors);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzzed_format();  // a misnamed format stops before the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    read(text, nullptr);
  } catch (const tabrl::InputError&) {
  }
  tabrl::ErrorList errors(true);  // the collecting mode of `tabrl mdp validate`
  try {
    read(text, &errors);
  } catch (const tabrl::InputError&) {
  }
  return 0;
}
