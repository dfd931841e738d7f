#pragma once
// Drives a Beast parser over an in-memory input the way Beast's async_read_header
// / async_read_some drive it over a socket: bytes arrive in pieces of `step`,
// what put() did not consume stays buffered, end of input is put_eof(). The
// HTTP fuzz targets parse every input twice, whole and in pieces, and require
// the same outcome: TCP splits a caller's or a target's bytes anywhere.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

namespace tunely::fuzz {

namespace http = boost::beast::http;

class http_feed {
public:
    http_feed(std::string_view input, std::size_t step) : input_(input), step_(std::max<std::size_t>(step, 1)) {}

    // Until the head is complete (async_read_header). Returns the parser's error,
    // or partial_message / end_of_stream when the input ends first.
    template <class Parser>
    boost::system::error_code read_head(Parser& parser) {
        boost::system::error_code ec;
        while (!parser.is_header_done()) {
            if (!pull()) {
                if (auto ec = eof(parser)) return ec;
                return http::error::partial_message;
            }
            if (!put_buffered(parser, ec)) return ec;
        }
        return {};
    }

    // The whole body into `sink` through a buffer_body window of `window` bytes
    // (async_read_some in a loop, as ingress and the client do).
    template <bool isRequest>
    boost::system::error_code read_body(http::parser<isRequest, http::buffer_body>& parser, std::string& sink,
                                        std::size_t window) {
        std::string chunk(window, '\0');
        boost::system::error_code ec;
        std::size_t idle_rounds = 0;
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            bool pulled = false;
            if (buffered_.empty()) {
                if (!pull()) {
                    return eof(parser);
                }
                pulled = true;
            }
            const auto used = parser.put(boost::asio::buffer(buffered_), ec);
            buffered_.erase(0, used);
            consumed_ += used;
            if (ec == http::error::need_more) {
                ec = {};
                if (!pull()) {
                    return eof(parser);
                }
                pulled = true;
            } else if (ec == http::error::need_buffer) {
                ec = {};
            }
            const auto got = chunk.size() - parser.get().body().size;
            sink.append(chunk.data(), got);
            if (ec) return ec;
            // Each round must consume bytes, fill the window or take new input: a parser that does
            // none of these would spin a server coroutine for ever.
            idle_rounds = (used == 0 && got == 0 && !pulled) ? idle_rounds + 1 : 0;
            check(idle_rounds < 3, "HTTP parser makes no progress");
        }
        return {};
    }

    std::size_t consumed() const noexcept { return consumed_; }

private:
    bool pull() {
        if (offered_ == input_.size()) return false;
        const auto n = std::min(step_, input_.size() - offered_);
        buffered_.append(input_.substr(offered_, n));
        offered_ += n;
        return true;
    }

    // put() on what is buffered, as often as it makes progress. false with ec set
    // on a parse error; true when it wants more bytes or the head is done.
    template <class Parser>
    bool put_buffered(Parser& parser, boost::system::error_code& ec) {
        for (;;) {
            const auto used = parser.put(boost::asio::buffer(buffered_), ec);
            buffered_.erase(0, used);
            consumed_ += used;
            if (ec == http::error::need_more) {
                ec = {};
                return true;
            }
            if (ec) return false;
            if (parser.is_done() || parser.is_header_done() || buffered_.empty() || used == 0) return true;
        }
    }

    // End of input, as Beast's read operations handle it: end_of_stream when nothing came at all,
    // else put_eof() (partial_message, or the end of a body delimited by the connection's close).
    template <class Parser>
    static boost::system::error_code eof(Parser& parser) {
        if (!parser.got_some()) return http::error::end_of_stream;
        boost::system::error_code ec;
        parser.put_eof(ec);
        return ec;
    }

    std::string_view input_;
    std::size_t step_;
    std::size_t offered_ = 0;
    std::size_t consumed_ = 0;
    std::string buffered_;
};

// Whole and in pieces, an input is the same message: both fail on the head, or both give the same head
// (`head(x)` ties the fields an outcome compares) and then both fail on the body or both give the same body.
// (Which error a malformed message gives may depend on where it was cut: a bad field seen whole is "bad
// value", the same bytes cut before their CRLF are still "need more" at EOF.) An outcome has head_error,
// body_error and body.
template <class Outcome, class Head>
bool same_message(const Outcome& a, const Outcome& b, Head head) {
    if (!a.head_error != !b.head_error) return false;
    if (a.head_error) return true;
    if (head(a) != head(b) || !a.body_error != !b.body_error) return false;
    return a.body_error || a.body == b.body;
}

}  // namespace tunely::fuzz
