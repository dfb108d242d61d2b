#include "formats.hpp"

#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/cassandra.hpp>
#include <tabrl/mdps/csv_format.hpp>
#include <tabrl/mdps/toml_format.hpp>

namespace tabrl {

const std::vector<MdpFormat>& mdp_formats() {
  // tests/fuzz/CMakeLists.txt builds one fuzzer per `.name = "..."` of this table: keep each
  // row's name in that form (tests/test_writers.cpp checks that it finds every row).
  static const std::vector<MdpFormat> formats = {
      {.name = "toml", .extensions = {".toml"}, .read = read_toml_mdp, .write = write_toml_mdp},
      {.name = "cassandra",
       .extensions = {".mdp", ".MDP"},
       .reads_other_files = true,
       .read = read_cassandra_text,
       .read_file = read_cassandra_file,
       .write = write_cassandra},
      {.name = "csv", .extensions = {".csv"}, .read = read_csv_mdp, .write = write_csv_mdp},
  };
  return formats;
}

const MdpFormat* find_mdp_format(std::string_view name) {
  for (const MdpFormat& format : mdp_formats()) {
    if (format.name == name) return &format;
  }
  return nullptr;
}

const MdpFormat* mdp_format_by_extension(std::string_view path) {
  for (const MdpFormat& format : mdp_formats()) {
    for (std::string_view extension : format.extensions) {
      if (path.ends_with(extension)) return &format;
    }
  }
  return nullptr;
}

std::string mdp_extension_list() {
  const std::vector<MdpFormat>& formats = mdp_formats();
  std::string list;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    list += i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ";
    list += formats[i].extensions.front();
  }
  return list;
}

const MdpFormat& format_of_path(const std::string& path) {
  if (const MdpFormat* format = mdp_format_by_extension(path)) return *format;
  throw InputError({.file = path},
                   "unknown MDP format: the file must end in " + mdp_extension_list());
}

const MdpFormat& format_for_reading(const std::string& path) {
  if (const MdpFormat* format = mdp_format_by_extension(path)) return *format;
  for (const MdpFormat& format : mdp_formats()) {
    if (format.reads_other_files) return format;
  }
  return format_of_path(path);  // throws: no format reads this file
}

Mdp read_mdp_file(const std::string& path, const MdpValidationOptions& options, ErrorList* errors) {
  const MdpFormat& format = format_for_reading(path);
  if (format.read_file != nullptr) return format.read_file(path, options, errors);
  return format.read(read_text_file(path), path, options, errors);
}

}  // namespace tabrl
