#pragma once
// Two ends of an in-memory WebSocket (beast::test::stream) for transport tests:
// the server end is accepted by the test; the client end's reader records every
// message and whether the connection ended with a close.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include <optional>
#include <string>
#include <vector>

#include "tunely/transport/asio.hpp"

namespace tunely::transport {
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct ws_pair {
    explicit ws_pair(asio::io_context& ioc) : client_end(ioc), server_end(ioc) {
        client_end.connect(server_end);
        server_ws.emplace(std::move(server_end));
        client_ws.emplace(std::move(client_end));
        asio::co_spawn(ioc, read_all(), asio::detached);
    }
    awaitable<void> read_all() {
        co_await client_ws->async_handshake("localhost", "/ws", use_awaitable);
        for (;;) {
            beast::flat_buffer b;
            auto [ec, n] = co_await client_ws->async_read(b, as_tuple_awaitable);
            if (ec) {
                client_saw_close = ec == websocket::error::closed;
                co_return;
            }
            received.push_back(beast::buffers_to_string(b.data()));
        }
    }
    beast::test::stream client_end, server_end;
    std::optional<websocket::stream<beast::test::stream>> server_ws, client_ws;
    std::vector<std::string> received;
    bool client_saw_close = false;
};

}  // namespace tunely::transport
