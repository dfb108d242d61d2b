#include "experiments/sweep_store.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

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
  fs::create_directories(directory_ / "runs");
  remove_temporary_files(directory_);
  remove_temporary_files(directory_ / "runs");
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

bool SweepStore::is_finished(const std::string& run_id) const {
  return fs::exists(run_file(run_id, ".row"));
}

void SweepStore::commit(const RunRecord& record) const {
  // The curve first: a row file means the run is finished and its curve is in place.
  write_file_atomically(
      run_file(record.run_id, ".curve").string(),
      [&](std::ostream& out) { out << record.curve_rows; }, /*durable=*/false);
  write_file_atomically(
      run_file(record.run_id, ".row").string(),
      [&](std::ostream& out) { out << record.runs_row << "\n"; }, /*durable=*/false);
}

std::size_t SweepStore::assemble(const std::vector<std::string>& run_ids,
                                 const std::string& runs_header) const {
  std::size_t missing = 0;
  write_file_atomically((directory_ / "runs.csv").string(), [&](std::ostream& out) {
    out << runs_header << "\n";
    for (const std::string& id : run_ids) {
      if (!is_finished(id)) {
        ++missing;
        continue;
      }
      out << read_text(run_file(id, ".row"));
    }
  });
  write_file_atomically((directory_ / "curves.csv").string(), [&](std::ostream& out) {
    out << curves_csv_header() << "\n";
    for (const std::string& id : run_ids) {
      if (is_finished(id)) out << read_text(run_file(id, ".curve"));
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
