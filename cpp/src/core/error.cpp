#include "tunely/core/error.hpp"

#include <string>

namespace tunely {
namespace {

struct entry {
    std::string_view name;
    std::string_view message;
};

constexpr entry entries[] = {
    {"ok", "Success"},
    {"malformed_frame", "Malformed frame"},
    {"frame_too_large", "Frame too large"},
    {"unknown_message", "Unknown message type"},
    {"missing_field", "Missing required field"},
    {"invalid_field", "Invalid field value"},
    {"body_not_utf8", "Body is not valid UTF-8 and cannot travel over protocol 1.1"},
    {"flow_control_violation", "Peer sent more data than its window allowed"},
    {"invalid_domain", "Invalid domain"},
    {"invalid_path", "Path must start with '/'"},
    {"tunnel_not_found", "Tunnel not found"},
    {"tunnel_not_connected", "Tunnel not connected"},
    {"tunnel_disconnected", "Tunnel disconnected"},
    {"auth_failed", "Authentication failed"},
    {"auth_timeout", "Authentication timeout"},
    {"connection_exists", "Tunnel already connected from another client"},
    {"request_timeout", "Request timeout"},
    {"stream_cancelled", "Stream cancelled"},
    {"target_unavailable", "Target service unavailable"},
    {"target_timeout", "Target service timeout"},
    {"target_error", "Target service error"},
    {"headers_too_large", "Request headers too large"},
    {"body_too_large", "Body too large"},
    {"store_unavailable", "Database unavailable"},
    {"store_conflict", "Conflicts with an existing record"},
    {"schema_too_new", "Database schema is newer than this build supports"},
    {"shutting_down", "Server is shutting down"},
    {"upgrade_not_supported", "The tunnel client cannot carry protocol upgrades (WebSocket)"},
    {"invalid_response", "Invalid response from the tunnel client"},
    {"too_many_streams", "Too many requests in flight for this tunnel"},
    {"too_many_connections", "Too many TCP connections for this tunnel"},
    {"tcp_not_supported", "The tunnel client cannot carry TCP connections"},
    {"idle_timeout", "Idle timeout"},
    {"tcp_mode", "This tunnel is in TCP mode: it serves its TCP listener, not HTTP"},
    {"udp_not_supported", "The tunnel client cannot carry UDP sessions"},
};

constexpr std::size_t entry_count = sizeof(entries) / sizeof(entries[0]);
static_assert(entry_count == static_cast<std::size_t>(error::udp_not_supported) + 1,
              "every tunely::error needs a name and a message");

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "tunely"; }
    std::string message(int ev) const override {
        if (ev < 0 || static_cast<std::size_t>(ev) >= entry_count) return "Unknown tunely error";
        return std::string(entries[ev].message);
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

std::string_view error_code_name(error e) noexcept {
    auto i = static_cast<std::size_t>(e);
    return i < entry_count ? entries[i].name : std::string_view("unknown");
}

}  // namespace tunely
