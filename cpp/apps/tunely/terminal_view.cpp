#include "terminal_view.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace tunely::app {
namespace {
constexpr const char* reset = "\033[0m";
const char* status_color(unsigned status) {
    if (status >= 500 || status == 0) return "\033[31m";
    if (status >= 400) return "\033[33m";
    return "\033[32m";
}
}  // namespace

terminal_view::terminal_view(std::string server_url, std::string target_url, bool interactive)
    : server_url_(std::move(server_url)), target_url_(std::move(target_url)), interactive_(interactive) {}

void terminal_view::connected(const std::string& domain, int protocol) {
    if (!interactive_) {
        spdlog::info("connected: tunnel '{}' → {} (protocol {})", domain, target_url_, protocol == 2 ? "2" : "1.1");
        return;
    }
    std::printf("\n\033[1mtunely\033[0m                          (Ctrl+C to quit)\n\n");
    std::printf("Session Status      \033[32monline\033[0m\n");
    std::printf("Tunnel              %s\n", domain.c_str());
    std::printf("Protocol            %s\n", protocol == 2 ? "2 (binary, streaming)" : "1.1");
    std::printf("Server              %s\n", server_url_.c_str());
    std::printf("Forwarding          /t/%s/ → %s\n\n", domain.c_str(), target_url_.c_str());
    std::printf("HTTP Requests\n-------------\n");
    std::fflush(stdout);
}

void terminal_view::disconnected(const std::string& reason) {
    if (!interactive_) {
        spdlog::warn("disconnected: {}", reason);
        return;
    }
    std::printf("Session Status      \033[33mreconnecting\033[0m (%s)\n", reason.c_str());
    std::fflush(stdout);
}

void terminal_view::reconnecting(std::chrono::milliseconds delay, int attempt) {
    if (!interactive_) {
        spdlog::info("reconnecting in {:.1f} s (attempt {})", static_cast<double>(delay.count()) / 1000.0, attempt);
        return;
    }
    std::printf("                    next attempt in %.1f s (#%d)\n", static_cast<double>(delay.count()) / 1000.0,
                attempt);
    std::fflush(stdout);
}

void terminal_view::request(const client::request_summary& s) {
    if (!interactive_) {
        spdlog::info("{} {} {} {} ms{}{}", s.method, s.path, s.status, s.duration.count(), s.error.empty() ? "" : " ",
                     s.error);
        return;
    }
    std::printf("%-7s %-48s %s%3u%s %6lld ms%s%s\n", s.method.c_str(), s.path.c_str(), status_color(s.status), s.status,
                reset, static_cast<long long>(s.duration.count()), s.error.empty() ? "" : "  ", s.error.c_str());
    std::fflush(stdout);
}

void terminal_view::error(const std::string& message) {
    if (!interactive_) {
        spdlog::error("{}", message);
        return;
    }
    std::fprintf(stderr, "\033[31merror:\033[0m %s\n", message.c_str());
}

}  // namespace tunely::app
