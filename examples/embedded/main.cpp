// A Beast application that embeds the Tunely server library.
//
// The application owns the io_context, the listener and the routing. It hands
// WebSocket upgrades on /ws/tunnel to tunely::server::tunnel_server, and its
// own handler for /proxy/{domain}/{path} calls forward() to reach the service
// behind a tunnel. Run it, then:
//   tunely connect --server ws://127.0.0.1:PORT/ws/tunnel --token <printed token> --target http://localhost:8090
//   curl http://127.0.0.1:PORT/proxy/demo/
#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include <iostream>

#include "tunely/core/token.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/store/sqlite_store.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The application's own handler: answers with what the tunnel's target said.
asio::awaitable<http::response<http::string_body>> proxy(tunely::server::tunnel_server& tunnels, std::string domain,
                                                          std::string path) {
    http::response<http::string_body> res{http::status::ok, 11};
    tunely::server::forward_request req;
    req.target = path;
    auto answer = co_await tunnels.forward(domain, std::move(req));
    if (!answer) {
        res.result(http::status::bad_gateway);
        res.body() = "tunnel error: " + answer.error().message() + "\n";
        co_return res;
    }
    res.result(answer->status);
    std::string body;
    for (;;) {
        auto chunk = co_await answer->body->read_body();
        if (!chunk || !*chunk) break;
        body += **chunk;
    }
    res.set(http::field::content_type, "text/plain");
    res.body() = "via tunnel '" + domain + "': " + body;
    co_return res;
}

asio::awaitable<void> serve(tunely::server::tunnel_server& tunnels, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    auto& req = parser.get();
    std::string target(req.target());
    if (beast::websocket::is_upgrade(req) && target == "/ws/tunnel") {
        co_await tunnels.serve_websocket(std::move(stream), parser.release());
        co_return;
    }
    http::response<http::string_body> res{http::status::not_found, 11};
    if (target.rfind("/proxy/", 0) == 0) {
        auto rest = target.substr(7);
        auto slash = rest.find('/');
        auto domain = rest.substr(0, slash);
        auto path = slash == std::string::npos ? std::string("/") : rest.substr(slash);
        res = co_await proxy(tunnels, domain, path);
    } else {
        res.body() = "try /proxy/demo/\n";
    }
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::use_awaitable);
}

int main() {
    // A tunnel registered in an in-memory store, with a token made up here.
    auto store = tunely::store::open_sqlite_store({":memory:", 1});
    store->migrate_to(store->latest_schema_version());
    auto token = tunely::generate_tunnel_token();
    store->create_tunnel({"demo", tunely::hash_token(token), "Demo", "embedded example"});

    asio::io_context ioc(1);
    auto db = std::make_shared<tunely::server::store_executor>(std::move(store), 1);
    tunely::server::tunnel_server tunnels(ioc.get_executor(), db, {});

    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::cout << "token " << token << "\nlistening on http://127.0.0.1:" << acceptor.local_endpoint().port() << "\n"
              << std::flush;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (;;) {
                auto socket = co_await acceptor.async_accept(asio::use_awaitable);
                asio::co_spawn(ioc, serve(tunnels, std::move(socket)), [](std::exception_ptr) {});
            }
        },
        asio::detached);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, auto) { ioc.stop(); });
    ioc.run();
    db->stop();
}
