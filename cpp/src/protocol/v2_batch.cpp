#include "tunely/protocol/v2_batch.hpp"

#include "tunely/protocol/limits.hpp"

namespace tunely::protocol::v2 {

bool is_batch(std::string_view message) noexcept {
    return !message.empty() && static_cast<std::uint8_t>(message[0]) == batch_type;
}

std::optional<std::vector<std::string_view>> split_batch(std::string_view message) {
    if (message.size() < v2_frame_header_size || !is_batch(message)) return std::nullopt;
    if (message[1] != 0 || message.substr(2, 4) != std::string_view("\0\0\0\0", 4)) return std::nullopt;
    std::vector<std::string_view> frames;
    auto rest = message.substr(v2_frame_header_size);
    while (!rest.empty()) {
        if (rest.size() < 4) return std::nullopt;
        std::size_t n = 0;
        for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<std::uint8_t>(rest[static_cast<std::size_t>(i)]);
        rest.remove_prefix(4);
        if (n < v2_frame_header_size || n > rest.size()) return std::nullopt;
        auto frame = rest.substr(0, n);
        if (is_batch(frame)) return std::nullopt;
        frames.push_back(frame);
        rest.remove_prefix(n);
    }
    if (frames.empty()) return std::nullopt;
    return frames;
}

void append_to_batch(std::string& batch, std::string_view frame) {
    if (batch.empty()) batch.append({static_cast<char>(batch_type), 0, 0, 0, 0, 0});
    const auto n = static_cast<std::uint32_t>(frame.size());
    batch.append({static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)});
    batch.append(frame);
}

}  // namespace tunely::protocol::v2
