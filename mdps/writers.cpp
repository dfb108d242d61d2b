#include "mdps/writers.hpp"

#include <cstdio>
#include <string_view>

#include "core/error.hpp"
#include "core/format.hpp"

namespace tabrl {
namespace {

std::string toml_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned char>(c));
      quoted += escape;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

// Names a whitespace-separated format can carry: no whitespace, ',', '"', '#', ':'; Cassandra
// additionally forbids a leading digit or sign and its reserved words.
void check_names(const std::vector<std::string>& names, const char* what, const char* format, bool cassandra) {
  for (const std::string& name : names) {
    bool ok = !name.empty() && name.find_first_of(" \t\r\n,\"#:") == std::string::npos;
    if (cassandra && ok) {
      ok = !(std::isdigit(static_cast<unsigned char>(name.front())) || name.front() == '-' ||
             name.front() == '+' || name.front() == '.') &&
           name != "uniform" && name != "identity" && name != "include" && name != "exclude" && name != "*";
    }
    if (!ok) {
      throw InputError({.field = std::string(what) + "_names"},
                       std::string(what) + " name '" + name + "' cannot be written in " + format + " format");
    }
  }
}

std::string label(const std::vector<std::string>& names, Index index) {
  return names.empty() ? std::to_string(index) : names[static_cast<std::size_t>(index)];
}

void write_toml(std::ostream& out, const Mdp& mdp) {
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  const auto state_ref = [&](Index s) { return states.empty() ? std::to_string(s) : toml_string(states[static_cast<std::size_t>(s)]); };
  const auto action_ref = [&](Index a) { return actions.empty() ? std::to_string(a) : toml_string(actions[static_cast<std::size_t>(a)]); };
  out << "# Written by tabrl (tabrl's TOML MDP format, docs/mdp-formats.md).\n";
  out << "gamma = " << format_double(mdp.gamma()) << "\n";
  const auto names_or_count = [&](const char* key, const std::vector<std::string>& names, Index count) {
    out << key << " = ";
    if (names.empty()) {
      out << count << "\n";
      return;
    }
    out << "[";
    for (std::size_t i = 0; i < names.size(); ++i) out << (i ? ", " : "") << toml_string(names[i]);
    out << "]\n";
  };
  names_or_count("states", states, S);
  names_or_count("actions", actions, A);
  out << "start = [";
  for (Index s = 0; s < S; ++s) out << (s ? ", " : "") << format_double(mdp.rho()[s]);
  out << "]\n";
  out << "# r(s, a): one row per state, one column per action.\nrewards = [\n";
  for (Index s = 0; s < S; ++s) {
    out << "  [";
    for (Index a = 0; a < A; ++a) out << (a ? ", " : "") << format_double(mdp.rewards()(s, a));
    out << "],\n";
  }
  out << "]\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      out << "\n[[transition]]\nfrom = " << state_ref(s) << "\naction = " << action_ref(a) << "\nto = { ";
      bool first = true;
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it; ++it) {
        out << (first ? "" : ", ") << toml_string(label(states, it.col())) << " = " << format_double(it.value());
        first = false;
      }
      out << " }\n";
    }
  }
}

void write_cassandra(std::ostream& out, const Mdp& mdp) {
  check_names(mdp.state_names(), "state", "Cassandra", true);
  check_names(mdp.action_names(), "action", "Cassandra", true);
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  out << "# Written by tabrl (Cassandra's POMDP file format, MDP subset).\n";
  out << "discount: " << format_double(mdp.gamma()) << "\nvalues: reward\n";
  out << "states:";
  if (states.empty()) {
    out << " " << S;
  } else {
    for (const std::string& name : states) out << " " << name;
  }
  out << "\nactions:";
  if (actions.empty()) {
    out << " " << A;
  } else {
    for (const std::string& name : actions) out << " " << name;
  }
  out << "\nstart:";
  for (Index s = 0; s < S; ++s) out << " " << format_double(mdp.rho()[s]);
  out << "\n\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it; ++it) {
        out << "T: " << label(actions, a) << " : " << label(states, s) << " : " << label(states, it.col())
            << " " << format_double(it.value()) << "\n";
      }
    }
  }
  out << "\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      out << "R: " << label(actions, a) << " : " << label(states, s) << " : * " << format_double(mdp.rewards()(s, a)) << "\n";
    }
  }
}

void write_csv(std::ostream& out, const Mdp& mdp) {
  check_names(mdp.state_names(), "state", "CSV", false);
  check_names(mdp.action_names(), "action", "CSV", false);
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  out << "# Written by tabrl (long CSV MDP format).\n# gamma = " << format_double(mdp.gamma()) << "\n# start =";
  for (Index s = 0; s < S; ++s) {
    if (mdp.rho()[s] != 0.0) out << " " << label(states, s) << ":" << format_double(mdp.rho()[s]);
  }
  // The order of states and actions (numbered ones are listed too, which fixes their count).
  out << "\n# states =";
  for (Index s = 0; s < S; ++s) out << " " << label(states, s);
  out << "\n# actions =";
  for (Index a = 0; a < A; ++a) out << " " << label(actions, a);
  out << "\nfrom,action,to,probability,reward\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      const std::string reward = format_double(mdp.rewards()(s, a));
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it; ++it) {
        out << label(states, s) << ',' << label(actions, a) << ',' << label(states, it.col()) << ','
            << format_double(it.value()) << ',' << reward << '\n';
      }
    }
  }
}

}  // namespace

MdpFormat format_of_path(const std::string& path) {
  if (path.ends_with(".toml")) return MdpFormat::toml;
  if (path.ends_with(".mdp") || path.ends_with(".MDP")) return MdpFormat::cassandra;
  if (path.ends_with(".csv")) return MdpFormat::csv;
  throw InputError({.file = path}, "unknown MDP format: the file must end in .toml, .mdp or .csv");
}

void write_mdp(std::ostream& out, const Mdp& mdp, MdpFormat format) {
  switch (format) {
    case MdpFormat::toml:
      return write_toml(out, mdp);
    case MdpFormat::cassandra:
      return write_cassandra(out, mdp);
    case MdpFormat::csv:
      return write_csv(out, mdp);
  }
}

}  // namespace tabrl
