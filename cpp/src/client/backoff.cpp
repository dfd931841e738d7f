#include "tunely/client/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace tunely::client {

std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt, double unit) noexcept {
    double base = static_cast<double>(policy.base.count());
    double cap = static_cast<double>(policy.cap.count());
    double raw = base * std::pow(policy.factor, std::clamp(attempt, 0, 64));
    double capped = std::min(raw, cap);
    double scale = 1.0 + policy.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, capped * scale)));
}

}  // namespace tunely::client
