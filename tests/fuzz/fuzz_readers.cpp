// libFuzzer harnesses for the MDP readers (one binary per reader, chosen at compile time by
// TABRL_FUZZ_READER). Any input must end in a model or an InputError: a crash, a leak, undefined
// behaviour, a timeout or any other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "mdps/assembler.hpp"
#include "mdps/cassandra.hpp"
#include "mdps/csv_format.hpp"
#include "mdps/toml_format.hpp"

namespace {

void read(const std::string& text, tabrl::ErrorList* errors) {
#if TABRL_FUZZ_READER == 1
  std::istringstream input(text);
  tabrl::read_cassandra(input, "fuzz.mdp", {}, errors);
#elif TABRL_FUZZ_READER == 2
  tabrl::read_toml_mdp(text, "fuzz.toml", {}, errors);
#else
  tabrl::read_csv_mdp(text, "fuzz.csv", {}, errors);
#endif
}

}  // namespace

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
