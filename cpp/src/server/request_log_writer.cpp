#include "tunely/server/request_log_writer.hpp"

#include <boost/json.hpp>
#include <boost/asio/dispatch.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "tunely/core/utf8.hpp"
#include "tunely/transport/spawn.hpp"

namespace tunely::server {

bool is_secret_header(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 6> secret_names{
        "authorization", "cookie", "set-cookie", "x-api-key", "x-tunnel-token", "proxy-authorization"};
    for (auto s : secret_names)
        if (iequals(s, name)) return true;
    return false;
}

std::string redacted_headers_json(const header_list& headers) {
    boost::json::object o;
    for (const auto& h : headers) {
        auto key = to_lower(h.name);
        std::string value = is_secret_header(h.name) ? "[REDACTED]" : h.value;
        if (auto* existing = o.if_contains(key)) {
            value = std::string(existing->get_string()) + ", " + value;
        }
        o[key] = value;
    }
    return boost::json::serialize(o);
}

namespace {

// The stored start of a body: text cut at a code-point boundary, or a marker
// for binary data (every backend stores text columns, and the admin API
// serves them as JSON strings).
std::string storable_body(const std::string& body, std::size_t max) {
    auto text = std::string_view(body).substr(0, max);
    text = text.substr(0, complete_utf8_prefix(text));
    if (!is_valid_utf8(text)) return "[binary data]";
    return std::string(text);
}

}  // namespace

request_log_writer::request_log_writer(executor ex, store_executor& store, log_writer_options options)
    : ex_(ex), store_(store), options_(options), wake_(ex), stopped_(ex) {}

void request_log_writer::submit(exchange_record rec) {
    // The record is made outside the lock (redaction is the costly part): I/O threads submit in parallel.
    const auto bytes_in = rec.bytes_in;
    const auto bytes_out = rec.bytes_out;
    std::string domain = rec.domain;
    store::request_log_record r;
    r.timestamp = std::chrono::system_clock::now() - rec.duration;
    r.tunnel_domain = std::move(rec.domain);
    r.method = std::move(rec.method);
    r.path = rec.target.substr(0, 1000);
    r.request_headers = redacted_headers_json(rec.request_headers);
    r.request_body = storable_body(rec.request_body_start, options_.max_body_bytes);
    r.status_code = static_cast<int>(rec.status);
    r.response_headers = redacted_headers_json(rec.response_headers);
    r.response_body = storable_body(rec.response_body_start, options_.max_body_bytes);
    r.error = rec.error.substr(0, 2000);
    r.duration_ms = rec.duration.count();
    r.bytes_in = bytes_in;
    r.bytes_out = bytes_out;
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        auto& c = counters_[domain];
        if (c.domain.empty()) c.domain = std::move(domain);
        c.requests += 1;
        c.bytes_in += bytes_in;
        c.bytes_out += bytes_out;
        if (queue_.size() >= options_.max_queue) {
            if (dropped_.fetch_add(1) % 1000 == 0)
                spdlog::warn("request log queue full: {} records dropped so far", dropped_.load());
            return;
        }
        queue_.push_back(std::move(r));
        wake = queue_.size() == options_.max_batch;
    }
    if (wake) asio::dispatch(ex_, [self = shared_from_this()] { self->wake_.notify(); });
}

void request_log_writer::start() {
    if (running_) return;
    running_ = true;
    transport::spawn(ex_, loop(), "request log writer");
}

awaitable<void> request_log_writer::stop() {
    stopping_ = true;
    wake_.notify();
    while (running_) co_await stopped_.wait();
}

awaitable<void> request_log_writer::loop() {
    auto self = shared_from_this();
    auto next_prune = std::chrono::steady_clock::now();
    while (!stopping_) {
        co_await wake_.wait_until(std::chrono::steady_clock::now() + options_.flush_interval);
        co_await flush();
        if (std::chrono::steady_clock::now() >= next_prune) {
            next_prune = std::chrono::steady_clock::now() + options_.prune_interval;
            auto cutoff = std::chrono::system_clock::now() - options_.retention;
            auto pruned = co_await store_.run(
                [&](store::store& s) { return s.prune_request_logs(cutoff, options_.max_rows); });
            if (pruned && *pruned > 0) spdlog::info("request log: pruned {} old rows", *pruned);
        }
    }
    co_await flush();
    running_ = false;
    stopped_.notify();
}

awaitable<void> request_log_writer::flush() {
    for (;;) {
        std::vector<store::request_log_record> batch;
        std::vector<store::counter_delta> deltas;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty() && counters_.empty()) co_return;
            while (!queue_.empty() && batch.size() < options_.max_batch) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            for (auto& [d, c] : counters_) deltas.push_back(std::move(c));
            counters_.clear();
        }
        auto n = batch.size();
        auto r = co_await store_.run([&](store::store& s) {
            if (!batch.empty()) s.append_request_logs(batch);
            if (!deltas.empty()) s.add_counters(deltas);
        });
        if (!r) {
            // The database is down: these records are lost, counted, and the data path unaffected.
            dropped_ += n;
            spdlog::warn("request log: dropped a batch of {} records: {}", n, r.error().message());
            co_return;
        }
        written_ += n;
    }
}

}  // namespace tunely::server
