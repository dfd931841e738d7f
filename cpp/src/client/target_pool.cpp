#include "target_pool.hpp"

#include <boost/url.hpp>

#include <sys/socket.h>

#include <cerrno>

#include "tunely/core/error.hpp"

namespace tunely::client {
namespace beast = boost::beast;

result<target_address> parse_target_url(std::string_view url) {
    auto u = boost::urls::parse_uri(url);
    if (!u || u->scheme() != "http" || u->host().empty()) return make_error_code(error::invalid_field);
    target_address a;
    a.host = u->host();
    if (a.host.size() > 2 && a.host.front() == '[') a.host = a.host.substr(1, a.host.size() - 2);
    a.port = u->has_port() ? std::string(u->port()) : "80";
    a.base_path = std::string(u->encoded_path());
    if (a.base_path == "/") a.base_path.clear();
    while (!a.base_path.empty() && a.base_path.back() == '/') a.base_path.pop_back();
    a.host_header = std::string(u->encoded_host_and_port());
    return a;
}

namespace {

// An idle keep-alive connection is reusable only if the target has neither
// closed it (recv → 0) nor sent anything unsolicited (recv > 0).
bool still_open(beast::tcp_stream& c) {
    if (!c.socket().is_open()) return false;
    char byte;
    auto n = ::recv(c.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

target_pool::target_pool(const executor& ex, target_address address, std::size_t max_idle)
    : ex_(ex), address_(std::move(address)), max_idle_(max_idle), resolver_(ex) {}

awaitable<result<target_pool::connection>> target_pool::acquire(std::chrono::milliseconds connect_timeout) {
    while (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        if (still_open(*c)) co_return c;
    }
    co_return co_await connect_new(connect_timeout);
}

awaitable<result<target_pool::connection>> target_pool::connect_new(std::chrono::milliseconds connect_timeout) {
    auto [rec, endpoints] = co_await resolver_.async_resolve(address_.host, address_.port, as_tuple_awaitable);
    if (rec) co_return std::error_code(rec);
    auto c = std::make_unique<beast::tcp_stream>(ex_);
    c->expires_after(connect_timeout);
    auto [cec, ep] = co_await c->async_connect(endpoints, as_tuple_awaitable);
    (void)ep;
    c->expires_never();
    if (cec) co_return std::error_code(cec);
    c->socket().set_option(boost::asio::ip::tcp::no_delay(true));
    co_return c;
}

void target_pool::release(connection c) {
    if (!c || idle_.size() >= max_idle_) return;
    idle_.push_back(std::move(c));
}

}  // namespace tunely::client
