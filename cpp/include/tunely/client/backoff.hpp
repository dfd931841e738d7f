#pragma once
// Reconnect delays: base × factor^attempt, capped, with ±jitter (defaults from
// the original: 5 s, ×2, 300 s cap, ×0.8–1.2).
#include <chrono>
#include <random>

namespace tunely::client {

struct backoff_policy {
    std::chrono::milliseconds base{5000};
    double factor = 2.0;
    std::chrono::milliseconds cap{300'000};
    double jitter = 0.2;  // ± fraction
};

// `attempt` counts from 0 (first retry). `unit` is a uniform draw in [0, 1),
// injected so tests are deterministic.
std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt, double unit) noexcept;

}  // namespace tunely::client
