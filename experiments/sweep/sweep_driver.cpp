#include "sweep_driver.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>
#include <thread>

#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/sweep/sweep_run.hpp>
#include <tabrl/sweep/sweep_store.hpp>

namespace tabrl {

Shard parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  Shard shard;
  const auto parse = [&](std::string_view part, int& value) {
    const std::optional<int> parsed = parse_int<int>(part);
    if (parsed) value = *parsed;
    return parsed.has_value();
  };
  const std::string_view view(text);
  if (slash == std::string::npos || !parse(view.substr(0, slash), shard.index) ||
      !parse(view.substr(slash + 1), shard.count) || shard.count < 1 || shard.index < 0 ||
      shard.index >= shard.count) {
    throw InputError({.field = "shard"}, "expected I/N with 0 <= I < N, got '" + text + "'");
  }
  return shard;
}

SweepOutcome run_sweep(const SweepConfig& config, const SweepOptions& options,
                       const std::function<void(const SweepProgress&)>& report) {
  // Without --shard the sweep is shard 0/1, so a second unsharded sweep of the directory is
  // refused like a second process on any one shard.
  const Shard shard = options.shard.value_or(Shard{});
  SweepStore store(options.out);
  const std::vector<std::string> removed = store.prepare(config, options.restart, shard);
  if (!removed.empty() && options.on_restart) options.on_restart(removed);
  SweepOutcome outcome{.grid_runs = config.runs.size()};
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < config.runs.size(); ++i) {
    if (static_cast<int>(i % static_cast<std::size_t>(shard.count)) != shard.index) continue;
    ++outcome.shard_runs;
    if (store.is_finished(config.run_ids[i])) {
      ++outcome.already_done;
    } else {
      todo.push_back(i);
    }
  }

  const CurveSchema curves = curves_csv_schema(config);
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  SweepProgress progress{.total = todo.size()};
  std::exception_ptr worker_error;
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(todo.size())));
  // The sweep's parallelism is over runs: with several jobs each run keeps to one thread (no
  // oversubscription); a single job gives its runs every processor (docs/sweeps.md). Results
  // do not depend on the thread count.
  const int threads_per_run = jobs > 1 ? 1 : available_processors();
  const auto work = [&] {
    set_thread_count(threads_per_run);
    MdpCache cache;
    while (true) {
      const std::size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      const std::size_t i = todo[k];
      try {
        const RunRecord record =
            execute_run(config.runs[i], config.run_ids[i], config.settings, curves, cache);
        store.commit(record);
        const std::lock_guard lock(progress_mutex);
        ++progress.done;
        if (record.failed) ++progress.failed;
        progress.elapsed_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        report(progress);
      } catch (...) {  // the store could not write: stop every worker
        const std::lock_guard lock(progress_mutex);
        if (!worker_error) worker_error = std::current_exception();
        next = todo.size();
        return;
      }
    }
  };
  std::vector<std::thread> workers;
  for (int j = 1; j < jobs; ++j) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  if (worker_error) std::rethrow_exception(worker_error);

  outcome.executed = progress.done;
  outcome.failed = progress.failed;
  // Other processes (shards) may have finished runs meanwhile: read every journal again. Each
  // process commits before it looks, so the last shard to finish sees the whole grid.
  store.load();
  for (const std::string& id : config.run_ids) outcome.missing += store.is_finished(id) ? 0 : 1;
  // Shards finishing at the same time may both assemble: each writes identical files atomically.
  if (outcome.missing == 0) {
    store.assemble(config.run_ids, runs_csv_header(config.settings), curves.header(),
                   /*rescan=*/false);
    outcome.assembled = true;
  }
  store.finish_manifest(config.runs.size() - outcome.missing, outcome.missing);
  return outcome;
}

}  // namespace tabrl
