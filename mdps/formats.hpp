// The MDP file formats, one row each: name, extensions, reader and writer. What depends on the
// list of formats is generated from this table: which reader load_mdp and `tabrl mdp validate`
// use, the format `tabrl mdp convert` writes, the extension lists in messages and help texts,
// the round-trip tests and the fuzzers (tests/fuzz). Adding a format: docs/mdp-formats.md,
// "Adding a format".
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <tabrl/core/mdp.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {

struct MdpFormat {
  // A short lower-case name: the fuzzer is fuzz_NAME, its seed corpus tests/fuzz/corpus/NAME/.
  std::string_view name;
  // Endings of the file names in this format, matched case-sensitively; messages show the first.
  std::vector<std::string_view> extensions;
  // Also reads any existing regular file whose name no format's extension claims. At most one
  // format may: Cassandra's, whose files come with many endings (pomdp-solve's .POMDP, .txt).
  bool reads_other_files = false;
  // Reads a model from the whole text of a file; `origin` names the file in messages. Throws
  // InputError; with `errors` collecting, gathers every error it can (`tabrl mdp validate`).
  Mdp (*read)(const std::string& text, const std::string& origin,
              const MdpValidationOptions& options, ErrorList* errors) = nullptr;
  // Optional: reads the file at `path` without holding its whole text (a streaming reader).
  // Without it the file is read whole by read_text_file and given to `read`.
  Mdp (*read_file)(const std::string& path, const MdpValidationOptions& options,
                   ErrorList* errors) = nullptr;
  // Writes a model so that `read` gives back the same P, r, gamma, rho and names; throws
  // InputError for a name the format cannot carry.
  void (*write)(std::ostream& out, const Mdp& mdp) = nullptr;
};

// Every format, in the order messages list them.
const std::vector<MdpFormat>& mdp_formats();

// The format called `name`, or nullptr.
const MdpFormat* find_mdp_format(std::string_view name);

// The format one of whose extensions ends `path`, or nullptr.
const MdpFormat* mdp_format_by_extension(std::string_view path);

// ".toml, .mdp or .csv": the first extension of each format, for messages and help texts.
std::string mdp_extension_list();

// The format a file is written in, by its extension. Throws InputError {file = path}
// "unknown MDP format: the file must end in .toml, .mdp or .csv" for any other name.
const MdpFormat& format_of_path(const std::string& path);

// The format a file is read in: by its extension, else the format that reads other files.
const MdpFormat& format_for_reading(const std::string& path);

// Reads the MDP file at `path` in format_for_reading(path). Throws InputError; with `errors`
// collecting, gathers every error the reader can find.
Mdp read_mdp_file(const std::string& path, const MdpValidationOptions& options = {},
                  ErrorList* errors = nullptr);

}  // namespace tabrl
