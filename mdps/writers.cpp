#include "mdps/writers.hpp"

#include "core/error.hpp"
#include "mdps/cassandra.hpp"
#include "mdps/csv_format.hpp"
#include "mdps/toml_format.hpp"

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

MdpFormat format_of_path(const std::string& path) {
  if (path.ends_with(".toml")) return MdpFormat::toml;
  if (path.ends_with(".mdp") || path.ends_with(".MDP")) return MdpFormat::cassandra;
  if (path.ends_with(".csv")) return MdpFormat::csv;
  throw InputError({.file = path}, "unknown MDP format: the file must end in .toml, .mdp or .csv");
}

void write_mdp(std::ostream& out, const Mdp& mdp, MdpFormat format) {
  switch (format) {
    case MdpFormat::toml:
      return write_toml_mdp(out, mdp);
    case MdpFormat::cassandra:
      return write_cassandra(out, mdp);
    case MdpFormat::csv:
      return write_csv_mdp(out, mdp);
  }
}

}  // namespace tabrl
