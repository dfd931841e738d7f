#pragma once
// Per-minute traffic totals of the last 24 hours, kept in memory for the
// console's dashboard (GET /api/stats). Independent of the request log, so it
// works with --no-request-log and never touches the database; it starts empty
// at every server start.
//
// Thread-safe: observe() is called from every I/O thread, series() from the admin API; both lock.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "tunely/server/tunnel_server.hpp"

namespace tunely::admin {

struct traffic_bucket {
    std::chrono::system_clock::time_point start;  // the minute this bucket covers
    std::int64_t requests = 0;
    std::int64_t errors = 0;  // status ≥ 500, no status, or an error text
    std::int64_t bytes_in = 0;
    std::int64_t bytes_out = 0;
};

class traffic_window {
public:
    static constexpr int max_minutes = 24 * 60;

    void observe(const server::exchange_record& r, std::chrono::system_clock::time_point now);
    // The last `minutes` (1..max_minutes) whole minutes up to and including now's, oldest first.
    std::vector<traffic_bucket> series(int minutes, std::chrono::system_clock::time_point now) const;

private:
    struct slot {
        std::int64_t minute = -1;  // minutes since the epoch; -1 = never used
        traffic_bucket totals;
    };
    mutable std::mutex mutex_;
    std::array<slot, max_minutes> slots_{};
};

}  // namespace tunely::admin
