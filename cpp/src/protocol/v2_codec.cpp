#include "tunely/protocol/v2_codec.hpp"

#include <stdexcept>

#include "tunely/core/error.hpp"
#include "tunely/core/http_field.hpp"
#include "tunely/core/utf8.hpp"
#include "tunely/protocol/limits.hpp"

namespace tunely::protocol::v2 {

const char* type_name(const frame& f) noexcept {
    static constexpr const char* names[] = {"open", "response", "data", "window",
                                            "reset", "ping", "pong", "goaway"};
    static_assert(std::size(names) == std::variant_size_v<frame>);
    return names[f.index()];
}

namespace {

// Bounds-checked big-endian reader over one frame. After the first failure every
// read returns zero/empty and ok() stays false, so decoders check once at the end.
class cursor {
public:
    explicit cursor(std::string_view bytes) : rest_(bytes) {}

    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return rest_.empty(); }
    std::string_view rest() noexcept {
        auto r = rest_;
        rest_ = {};
        return r;
    }

    std::uint64_t uint(std::size_t n) noexcept {
        if (!ok_ || rest_.size() < n) return ok_ = false, 0;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(rest_[i]);
        rest_.remove_prefix(n);
        return v;
    }
    std::string_view bytes(std::size_t n) noexcept {
        if (!ok_ || rest_.size() < n) return ok_ = false, std::string_view();
        auto v = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return v;
    }

private:
    std::string_view rest_;
    bool ok_ = true;
};

// Returns an error code or {} and fills `out`.
std::error_code read_header_block(cursor& in, std::size_t used_bytes, header_list& out) {
    auto count = in.uint(2);
    if (!in.ok()) return make_error_code(error::malformed_frame);
    if (count > v2_max_headers) return make_error_code(error::headers_too_large);
    std::size_t total = used_bytes;
    out.fields().reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto name = in.bytes(in.uint(2));
        auto value = in.bytes(in.uint(2));
        if (!in.ok()) return make_error_code(error::malformed_frame);
        total += name.size() + value.size();
        if (total > v2_max_head_bytes) return make_error_code(error::headers_too_large);
        if (!is_token(name) || !has_no_cr_lf_nul(value) || value.size() > max_field_bytes)
            return make_error_code(error::invalid_field);
        out.add(std::string(name), std::string(value));
    }
    return {};
}

std::error_code read_reset_message(cursor& in, std::string& out) {
    auto msg = in.rest();
    if (msg.size() > v2_max_reset_message) return make_error_code(error::frame_too_large);
    if (!is_valid_utf8(msg)) return make_error_code(error::invalid_field);
    out.assign(msg);
    return {};
}

// With flag_body the rest of the frame is body bytes; without it, nothing may follow.
std::error_code read_inline_body(cursor& in, std::uint8_t flags, std::string& body) {
    if (!(flags & flag_body)) return in.at_end() ? std::error_code() : make_error_code(error::malformed_frame);
    auto rest = in.rest();
    if (rest.size() > v2_max_data_payload) return make_error_code(error::frame_too_large);
    body.assign(rest);
    return {};
}

result<frame> decode_open(cursor& in, stream_id id, std::uint8_t flags) {
    open f;
    f.id = id;
    f.end_stream = flags & flag_end_stream;
    f.raw = flags & flag_raw;
    f.timeout_ms = static_cast<std::uint32_t>(in.uint(4));
    f.method = in.bytes(in.uint(1));
    f.target = in.bytes(in.uint(2));
    if (!in.ok()) return make_error_code(error::malformed_frame);
    if (!is_token(f.method)) return make_error_code(error::invalid_field);
    if (f.target.empty() || f.target.front() != '/') return make_error_code(error::invalid_path);
    if (!has_no_cr_lf_nul(f.target) || f.target.find(' ') != std::string::npos)
        return make_error_code(error::invalid_field);
    if (auto ec = read_header_block(in, f.target.size(), f.headers)) return ec;
    if (auto ec = read_inline_body(in, flags, f.body)) return ec;
    return f;
}

result<frame> decode_response(cursor& in, stream_id id, std::uint8_t flags) {
    response f;
    f.id = id;
    f.end_stream = flags & flag_end_stream;
    f.status = static_cast<std::uint16_t>(in.uint(2));
    if (!in.ok()) return make_error_code(error::malformed_frame);
    if (f.status < 100 || f.status > 999) return make_error_code(error::invalid_field);
    if (auto ec = read_header_block(in, 0, f.headers)) return ec;
    if (auto ec = read_inline_body(in, flags, f.body)) return ec;
    return f;
}

// --- encoding helpers ---

void put(std::string& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_header(std::string& out, frame_type type, std::uint8_t flags, stream_id id) {
    put(out, static_cast<std::uint8_t>(type), 1);
    put(out, flags, 1);
    put(out, id, 4);
}

void put_header_block(std::string& out, const header_list& headers, std::size_t used_bytes) {
    if (!head_fits(headers, used_bytes)) throw std::length_error("headers exceed protocol 2 limits");
    put(out, headers.size(), 2);
    for (const auto& h : headers) {
        put(out, h.name.size(), 2);
        out += h.name;
        put(out, h.value.size(), 2);
        out += h.value;
    }
}

std::uint8_t end_flag(bool end_stream) { return end_stream ? flag_end_stream : 0; }

std::uint8_t head_flags(bool end_stream, const std::string& body) {
    if (body.size() > v2_max_data_payload) throw std::length_error("inline body too large");
    return static_cast<std::uint8_t>(end_flag(end_stream) | (body.empty() ? 0 : flag_body));
}

struct encoder {
    std::string& out;

    void operator()(const open& f) {
        if (f.method.empty() || f.method.size() > 255) throw std::length_error("bad method length");
        auto flags = static_cast<std::uint8_t>(head_flags(f.end_stream, f.body) | (f.raw ? flag_raw : 0));
        put_header(out, frame_type::open, flags, f.id);
        put(out, f.timeout_ms, 4);
        put(out, f.method.size(), 1);
        out += f.method;
        if (f.target.size() > 0xffff) throw std::length_error("target too long");  // u16 length field
        put(out, f.target.size(), 2);
        out += f.target;
        put_header_block(out, f.headers, f.target.size());
        out += f.body;
    }
    void operator()(const response& f) {
        put_header(out, frame_type::response, head_flags(f.end_stream, f.body), f.id);
        put(out, f.status, 2);
        put_header_block(out, f.headers, 0);
        out += f.body;
    }
    void operator()(const data& f) {
        if (f.bytes.size() > v2_max_data_payload) throw std::length_error("DATA payload too large");
        put_header(out, frame_type::data, end_flag(f.end_stream), f.id);
        out += f.bytes;
    }
    void operator()(const window& f) {
        put_header(out, frame_type::window, 0, f.id);
        put(out, f.increment, 4);
    }
    void operator()(const reset& f) {
        put_header(out, frame_type::reset, 0, f.id);
        put(out, static_cast<std::uint16_t>(f.code), 2);
        out.append(f.message, 0, std::min(f.message.size(), v2_max_reset_message));
    }
    void operator()(const ping& f) {
        put_header(out, frame_type::ping, 0, 0);
        put(out, f.opaque, 8);
    }
    void operator()(const pong& f) {
        put_header(out, frame_type::pong, 0, 0);
        put(out, f.opaque, 8);
    }
    void operator()(const goaway& f) {
        put_header(out, frame_type::goaway, 0, 0);
        put(out, f.last_stream_id, 4);
        put(out, static_cast<std::uint16_t>(f.code), 2);
        out.append(f.message, 0, std::min(f.message.size(), v2_max_reset_message));
    }
};

}  // namespace

result<frame> decode(std::string_view bytes) noexcept {
    if (bytes.size() < v2_frame_header_size) return make_error_code(error::malformed_frame);
    if (bytes.size() > v2_max_frame_size) return make_error_code(error::frame_too_large);
    try {
        cursor in(bytes);
        auto type = static_cast<std::uint8_t>(in.uint(1));
        auto flags = static_cast<std::uint8_t>(in.uint(1));
        auto id = static_cast<stream_id>(in.uint(4));
        bool stream_frame = type >= 0x01 && type <= 0x05;
        bool session_frame = type >= 0x06 && type <= 0x08;
        if (!stream_frame && !session_frame) return make_error_code(error::unknown_message);
        if (stream_frame && id == 0) return make_error_code(error::invalid_field);
        if (session_frame && id != 0) return make_error_code(error::invalid_field);

        switch (static_cast<frame_type>(type)) {
        case frame_type::open: return decode_open(in, id, flags);
        case frame_type::response: return decode_response(in, id, flags);
        case frame_type::data: {
            auto payload = in.rest();
            if (payload.size() > v2_max_data_payload) return make_error_code(error::frame_too_large);
            return data{id, static_cast<bool>(flags & flag_end_stream), std::string(payload)};
        }
        case frame_type::window: {
            auto inc = in.uint(4);
            if (!in.ok() || !in.at_end()) return make_error_code(error::malformed_frame);
            if (inc == 0 || inc > v2_max_window) return make_error_code(error::invalid_field);
            return window{id, static_cast<std::uint32_t>(inc)};
        }
        case frame_type::reset: {
            reset f{id};
            f.code = static_cast<reset_code>(in.uint(2));
            if (!in.ok()) return make_error_code(error::malformed_frame);
            if (auto ec = read_reset_message(in, f.message)) return ec;
            return f;
        }
        case frame_type::ping:
        case frame_type::pong: {
            auto opaque = in.uint(8);
            if (!in.ok() || !in.at_end()) return make_error_code(error::malformed_frame);
            if (type == static_cast<std::uint8_t>(frame_type::ping)) return ping{opaque};
            return pong{opaque};
        }
        case frame_type::goaway: {
            goaway f;
            f.last_stream_id = static_cast<stream_id>(in.uint(4));
            f.code = static_cast<reset_code>(in.uint(2));
            if (!in.ok()) return make_error_code(error::malformed_frame);
            if (auto ec = read_reset_message(in, f.message)) return ec;
            return f;
        }
        }
        return make_error_code(error::unknown_message);
    } catch (...) {  // only std::bad_alloc can escape the cursor
        return make_error_code(error::frame_too_large);
    }
}

std::optional<stream_id> frame_stream_id(std::string_view bytes) noexcept {
    if (bytes.size() < v2_frame_header_size) return std::nullopt;
    auto type = static_cast<std::uint8_t>(bytes[0]);
    if (type < static_cast<std::uint8_t>(frame_type::open) || type > static_cast<std::uint8_t>(frame_type::reset))
        return std::nullopt;
    stream_id id = 0;
    for (std::size_t i = 2; i < 6; ++i) id = (id << 8) | static_cast<unsigned char>(bytes[i]);
    if (id == 0) return std::nullopt;
    return id;
}

bool head_fits(const header_list& headers, std::size_t used_bytes) noexcept {
    if (headers.size() > v2_max_headers) return false;
    std::size_t total = used_bytes;
    for (const auto& h : headers) {
        if (h.name.size() > 0xffff || h.value.size() > 0xffff) return false;  // u16 length fields
        total += h.name.size() + h.value.size();
    }
    return total <= v2_max_head_bytes;
}

std::string encode(const frame& f) {
    if (const auto* o = std::get_if<open>(&f)) return encode(*o);
    if (const auto* r = std::get_if<response>(&f)) return encode(*r);
    std::string out;
    if (const auto* d = std::get_if<data>(&f)) out.reserve(v2_frame_header_size + d->bytes.size());
    std::visit(encoder{out}, f);
    return out;
}

namespace {
// A head's header block in bytes: one allocation for the whole frame.
std::size_t header_block_size(const header_list& headers) noexcept {
    std::size_t n = 2;
    for (const auto& h : headers) n += 4 + h.name.size() + h.value.size();
    return n;
}
}  // namespace

std::string encode(const open& f) {
    std::string out;
    out.reserve(v2_frame_header_size + 7 + f.method.size() + f.target.size() + header_block_size(f.headers) +
                f.body.size());
    encoder{out}(f);
    return out;
}

std::string encode(const response& f) {
    std::string out;
    out.reserve(v2_frame_header_size + 2 + header_block_size(f.headers) + f.body.size());
    encoder{out}(f);
    return out;
}

std::array<char, 6> encode_data_header(stream_id id, bool end_stream) noexcept {
    return {static_cast<char>(frame_type::data), static_cast<char>(end_flag(end_stream)),
            static_cast<char>(id >> 24),        static_cast<char>(id >> 16),
            static_cast<char>(id >> 8),         static_cast<char>(id)};
}

}  // namespace tunely::protocol::v2

namespace tunely::protocol::v2 {

std::string encode_data(stream_id id, std::string_view bytes, bool end_stream) {
    if (bytes.size() > v2_max_data_payload) throw std::length_error("DATA payload too large");
    auto header = encode_data_header(id, end_stream);
    std::string frame;
    frame.reserve(header.size() + bytes.size());
    frame.append(header.data(), header.size());
    frame.append(bytes);
    return frame;
}

}  // namespace tunely::protocol::v2
