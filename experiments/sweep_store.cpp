#include "experiments/sweep_store.hpp"

#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <cstring>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "experiments/atomic_file.hpp"

#ifndef TABRL_VERSION
#define TABRL_VERSION "unknown"
#endif
#ifndef TABRL_GIT_COMMIT
#define TABRL_GIT_COMMIT "unknown"
#endif

namespace tabrl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "unknown";
  return buffer;
}

std::string read_text(const fs::path& path) {
  std::ifstream input(path, std::ios::binary);
  std::ostringstream text;
  text << input.rdbuf();
  return text.str();
}

json load_json(const fs::path& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::exception& error) {
    throw InputError({.file = path.string()}, std::string("unreadable manifest: ") + error.what());
  }
}

void remove_temporary_files(const fs::path& directory) {
  std::error_code ignored;
  if (!fs::is_directory(directory, ignored)) return;
  for (const auto& entry : fs::directory_iterator(directory, ignored)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) {
      fs::remove(entry.path(), ignored);
    }
  }
}

// Checksum of a journal record: 64-bit words mixed by multiplication (eight times faster than a
// byte-wise hash; it only has to catch torn or damaged records, not adversaries).
std::string payload_checksum(std::string_view text) {
  std::uint64_t hash = 0x9e3779b97f4a7c15ULL ^ text.size();
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    hash = (hash ^ word) * 0xff51afd7ed558ccdULL;
    hash ^= hash >> 32;
  }
  for (; i < text.size(); ++i) hash = (hash ^ static_cast<unsigned char>(text[i])) * 0x100000001b3ULL;
  hash ^= hash >> 29;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace

SweepManifest read_manifest(const fs::path& directory) {
  const fs::path path = directory / "manifest.json";
  if (!fs::exists(path)) {
    throw InputError({.file = directory.string()}, "not a tabrl sweep directory (no manifest.json)");
  }
  const json manifest = load_json(path);
  try {
    return {.config_digest = manifest.at("config_digest").get<std::string>(),
            .run_ids = manifest.at("run_ids").get<std::vector<std::string>>(),
            .runs_header = manifest.at("runs_header").get<std::string>()};
  } catch (const json::exception& error) {
    throw InputError({.file = path.string()}, std::string("incomplete manifest: ") + error.what());
  }
}

void SweepStore::prepare(const SweepConfig& config, bool restart) {
  const fs::path manifest_path = directory_ / "manifest.json";
  if (fs::exists(directory_)) {
    if (!fs::is_directory(directory_)) {
      throw InputError({.file = directory_.string()}, "exists and is not a directory");
    }
    if (fs::exists(manifest_path)) {
      const SweepManifest existing = read_manifest(directory_);
      if (existing.config_digest != config.config_digest) {
        if (!restart) {
          throw InputError({.file = directory_.string()},
                           "was made by a different sweep config (digest " +
                               existing.config_digest + ", this config " + config.config_digest +
                               "); pass --restart to delete its results and start over, or "
                               "choose another --out");
        }
        fs::remove_all(directory_);
      }
    } else if (!fs::is_empty(directory_)) {
      throw InputError({.file = directory_.string()},
                       "exists, is not empty and is not a tabrl sweep directory; choose another "
                       "--out");
    }
  }
  fs::create_directories(directory_ / "journal");
  remove_temporary_files(directory_);
  remove_temporary_files(directory_ / "journal");
  scan_journals();
  if (fs::exists(manifest_path)) return;
  json manifest = {
      {"tabrl_version", TABRL_VERSION},
      {"git_commit", TABRL_GIT_COMMIT},
      {"host", host_name()},
      {"config_path", config.path},
      {"config_name", config.settings.name},
      {"config_digest", config.config_digest},
      {"config_text", read_text(config.path)},
      {"runs_header", runs_csv_header(config.settings)},
      {"run_ids", config.run_ids},
      {"started", utc_now()},
      {"finished", nullptr},
  };
  write_file_atomically(manifest_path.string(),
                        [&](std::ostream& out) { out << manifest.dump(2) << "\n"; });
}

SweepStore::SweepStore(fs::path directory) : directory_(std::move(directory)) {}

SweepStore::~SweepStore() {
  if (journal_descriptor_ >= 0) ::close(journal_descriptor_);
}

void SweepStore::load() { scan_journals(); }

void SweepStore::scan_journals() {
  journals_.clear();
  locations_.clear();
  finished_.clear();
  const fs::path journal_directory = directory_ / "journal";
  std::error_code ignored;
  if (!fs::is_directory(journal_directory, ignored)) return;
  for (const auto& entry : fs::directory_iterator(journal_directory)) {
    if (entry.path().extension() == ".log") journals_.push_back(entry.path());
  }
  std::sort(journals_.begin(), journals_.end());  // first occurrence wins, deterministically
  for (std::size_t file = 0; file < journals_.size(); ++file) {
    const std::string text = read_text(journals_[file]);
    std::size_t position = 0;
    while (position < text.size()) {
      const std::size_t line_end = text.find('\n', position);
      if (line_end == std::string::npos) break;  // torn header
      std::istringstream header(text.substr(position, line_end - position));
      std::string magic, run_id, payload_digest;
      std::uint64_t size = 0;
      if (!(header >> magic >> run_id >> size >> payload_digest) || magic != "TABRL-RUN") break;
      const std::size_t payload = line_end + 1;
      if (size > text.size() - payload) break;  // torn payload
      if (payload_checksum(std::string_view(text).substr(payload, size)) != payload_digest) break;
      if (finished_.insert(run_id).second) locations_[run_id] = {file, payload, size};
      position = payload + size;
    }
  }
}

void SweepStore::commit(const RunRecord& record) {
  std::string payload = record.runs_row + "\n" + record.curve_rows;
  std::string entry = "TABRL-RUN " + record.run_id + " " + std::to_string(payload.size()) + " " +
                      payload_checksum(payload) + "\n" + payload;
  const std::lock_guard lock(journal_mutex_);
  if (journal_descriptor_ < 0) {
    const auto nonce = std::chrono::steady_clock::now().time_since_epoch().count();
    const fs::path path = directory_ / "journal" /
                          (host_name() + "-" + std::to_string(::getpid()) + "-" +
                           std::to_string(nonce) + ".log");
    journal_descriptor_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (journal_descriptor_ < 0) throw std::runtime_error("cannot create journal " + path.string());
  }
  // One write per record: a kill leaves either the whole record or a torn tail that fails its
  // length or digest check.
  const char* data = entry.data();
  std::size_t left = entry.size();
  while (left > 0) {
    const ssize_t written = ::write(journal_descriptor_, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot append to the sweep journal in " + directory_.string());
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  finished_.insert(record.run_id);
}

std::size_t SweepStore::assemble(const std::vector<std::string>& run_ids,
                                 const std::string& runs_header, bool rescan) {
  if (rescan) scan_journals();
  std::vector<std::ifstream> files;
  for (const fs::path& path : journals_) files.emplace_back(path, std::ios::binary);
  const auto payload_of = [&](const Location& location) {
    std::string payload(location.size, '\0');
    files[location.file].seekg(static_cast<std::streamoff>(location.offset));
    files[location.file].read(payload.data(), static_cast<std::streamsize>(location.size));
    return payload;
  };
  std::size_t missing = 0;
  write_file_atomically((directory_ / "runs.csv").string(), [&](std::ostream& out) {
    out << runs_header << "\n";
    for (const std::string& id : run_ids) {
      const auto found = locations_.find(id);
      if (found == locations_.end()) {
        ++missing;
        continue;
      }
      const std::string payload = payload_of(found->second);
      out << payload.substr(0, payload.find('\n') + 1);
    }
  });
  write_file_atomically((directory_ / "curves.csv").string(), [&](std::ostream& out) {
    out << curves_csv_header() << "\n";
    for (const std::string& id : run_ids) {
      const auto found = locations_.find(id);
      if (found == locations_.end()) continue;
      const std::string payload = payload_of(found->second);
      out << payload.substr(payload.find('\n') + 1);
    }
  });
  return missing;
}

void SweepStore::finish_manifest(std::size_t finished_runs, std::size_t missing_runs) const {
  const fs::path path = directory_ / "manifest.json";
  json manifest = load_json(path);
  manifest["finished"] = utc_now();
  manifest["finished_runs"] = finished_runs;
  manifest["missing_runs"] = missing_runs;
  write_file_atomically(path.string(), [&](std::ostream& out) { out << manifest.dump(2) << "\n"; });
}

}  // namespace tabrl
