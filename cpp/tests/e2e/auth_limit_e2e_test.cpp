// Failed authentications are limited per source address: 40 parallel guesses
// from 127.0.0.1 reach the store at most --auth-failures-per-minute times (the
// rest are refused at once with "Too many failed authentications", even a good
// token from that address), while a good token from 127.0.0.2 (Linux routes all
// of 127/8 on lo) still authenticates.
#include <arpa/inet.h>
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <regex>
#include <thread>

#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

constexpr int limit = 10;  // --auth-failures-per-minute: one more attempt every 6 s

// One text message exchanged over a WebSocket whose socket is bound to `source`
// before it connects: sends `text`, returns the first message the server sends
// back ("" on failure). Minimal RFC 6455 client; every read has a 10 s deadline.
std::string exchange_from(const char* source, std::uint16_t port, const std::string& text) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval deadline{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
    sockaddr_in local{}, remote{};
    local.sin_family = remote.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    std::string answer;
    auto send_all = [&](const std::string& bytes) {
        return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    };
    auto read_exactly = [&](std::size_t n, std::string& out) {
        out.resize(n);
        for (std::size_t got = 0; got < n;) {
            auto r = ::recv(fd, out.data() + got, n - got, 0);
            if (r <= 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    };
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
        ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0 &&
        send_all("GET /ws/tunnel HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")) {
        std::string head, byte;
        while (head.find("\r\n\r\n") == std::string::npos && head.size() < 4096 && read_exactly(1, byte)) head += byte;
        // FIN + text; masked (a client must) with key 0, so the payload goes as is; minimal length encoding.
        std::string frame = "\x81";
        if (text.size() < 126) {
            frame += static_cast<char>(0x80 | text.size());
        } else {
            frame += static_cast<char>(0x80 | 126);
            frame += static_cast<char>(text.size() >> 8);
            frame += static_cast<char>(text.size() & 0xff);
        }
        frame.append(4, '\0');
        std::string header;
        if (head.starts_with("HTTP/1.1 101") && text.size() < 65536 && send_all(frame + text) &&
            read_exactly(2, header)) {
            std::size_t size = static_cast<unsigned char>(header[1]) & 0x7f;
            std::string extended;
            if (size == 126 && read_exactly(2, extended))
                size = (static_cast<std::size_t>(static_cast<unsigned char>(extended[0])) << 8) |
                       static_cast<unsigned char>(extended[1]);
            if (size < 126 || !extended.empty()) read_exactly(size, answer);
        }
    }
    ::close(fd);
    return answer;
}

std::string auth(const std::string& token) { return R"({"type":"auth","token":")" + token + R"("})"; }

std::size_t count_matches(const std::string& text, const std::regex& re) {
    return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), {}));
}

TEST(auth_limit, parallel_guesses_from_one_address_reach_the_store_at_most_the_limit) {
    tunely_server_process server({"--auth-failures-per-minute", std::to_string(limit)});
    auto token = server.create_tunnel("guarded");

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> answers(40);
    std::vector<std::thread> guessers;
    for (std::size_t i = 0; i < answers.size(); ++i)
        guessers.emplace_back(
            [&, i] { answers[i] = exchange_from("127.0.0.1", server.port(), auth("tun_wrong" + std::to_string(i))); });
    for (auto& g : guessers) g.join();
    // The bucket refills one attempt every 6 s: a slow machine earns those on top.
    const auto refilled = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start) / 6;
    const auto allowed = static_cast<std::size_t>(limit + refilled.count());

    std::size_t failed = 0, refused = 0;
    for (const auto& a : answers) {
        ASSERT_FALSE(a.empty()) << "a guess got no answer";
        const auto parsed = json::parse(a);
        const auto* field = parsed.as_object().if_contains("error");
        auto error = field ? std::string(field->as_string()) : a;
        if (error == "Authentication failed") ++failed;
        else if (error == "Too many failed authentications") ++refused;
        else ADD_FAILURE() << a;
    }
    EXPECT_LE(failed, allowed);
    EXPECT_GE(failed, static_cast<std::size_t>(limit)) << "the first ones are looked up";
    EXPECT_EQ(failed + refused, answers.size());
    // Store lookups that failed, as the server logged them.
    EXPECT_EQ(count_matches(server.process().output(), std::regex(R"(authentication from 127\.0\.0\.1:\d+ failed)")),
              failed);

    // The address is refused even with a good token, without a lookup…
    if (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
        auto mine = exchange_from("127.0.0.1", server.port(), auth(token));
        EXPECT_NE(mine.find(R"("error":"Too many failed authentications")"), std::string::npos) << mine;
    }
    // …while another address authenticates.
    auto other = exchange_from("127.0.0.2", server.port(), auth(token));
    ASSERT_FALSE(other.empty());
    EXPECT_EQ(json::parse(other).at("type").as_string(), "auth_ok") << other;
}

}  // namespace
}  // namespace tunely::test
