#pragma once
// Takes exchange records from ingress and writes them to the store off the
// data path: records go into a bounded queue (dropped and counted when full,
// the data path never waits), a periodic flush hands a batch to the store
// executor, and per-tunnel counters are aggregated in memory and written with
// the same flush. Secrets in headers are redacted before anything is stored.
//
// Thread-safe submit() (every I/O thread records exchanges); start()/stop() on the writer's executor.
#include <chrono>
#include <cstdint>
#include <atomic>
#include <deque>
#include <mutex>
#include <memory>
#include <unordered_map>

#include "tunely/server/store_executor.hpp"
#include "tunely/server/tunnel_server.hpp"

namespace tunely::server {

struct log_writer_options {
    std::size_t max_queue = 10'000;
    std::size_t max_batch = 500;
    std::chrono::milliseconds flush_interval{1000};
    std::size_t max_body_bytes = 4 * 1024;
    std::chrono::hours retention{24 * 30};
    std::int64_t max_rows = 1'000'000;
    std::chrono::minutes prune_interval{10};
};

// Header names whose values never reach the store.
bool is_secret_header(std::string_view name) noexcept;
// JSON object text of the headers with secrets replaced by "[REDACTED]".
std::string redacted_headers_json(const header_list& headers);

class request_log_writer : public std::enable_shared_from_this<request_log_writer> {
public:
    request_log_writer(executor ex, store_executor& store, log_writer_options options = {});

    void submit(exchange_record rec);
    // Starts the periodic flush; stop() flushes what is queued and ends it.
    void start();
    awaitable<void> stop();

    std::uint64_t dropped() const noexcept { return dropped_; }
    std::uint64_t written() const noexcept { return written_; }

private:
    awaitable<void> loop();
    awaitable<void> flush();

    executor ex_;
    store_executor& store_;
    log_writer_options options_;
    std::mutex mutex_;  // queue_ and counters_
    std::deque<store::request_log_record> queue_;
    std::unordered_map<std::string, store::counter_delta> counters_;
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> written_{0};
    bool stopping_ = false;
    bool running_ = false;
    transport::notifier wake_;
    transport::notifier stopped_;
};

}  // namespace tunely::server
