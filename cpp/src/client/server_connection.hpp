#pragma once
// The client's WebSocket to the tunnel server: ws:// over TCP, wss:// over TLS
// (certificate and host name verified unless `insecure`), handed to the
// sessions as a type-erased ws_channel.
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "tunely/client/tunnel_client.hpp"
#include "tunely/core/result.hpp"
#include "tunely/transport/ws_channel.hpp"

namespace tunely::client {

struct server_address {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;
    std::string host_header;
};

// ws://, wss://, http://, https:// (the last two as the original accepted them). Errors: invalid_field.
result<server_address> parse_server_url(std::string_view url);

// The TLS settings of a wss:// server, made once per client run (the system's
// CA store is read once, and an unreadable --ca-file is a start-up error, not a
// reason to retry). Errors: invalid_field, with `problem` set.
result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const server_address& server,
                                                                   const client_options& options, std::string& problem);

// Resolves, connects, runs the TLS (when `tls` is set) and WebSocket handshakes.
// On failure returns null and says why in `reason`. The channel keeps `tls` alive.
awaitable<std::shared_ptr<transport::ws_channel>> open_server_channel(const executor& ex, const server_address& server,
                                                                      std::shared_ptr<boost::asio::ssl::context> tls,
                                                                      const client_options& options,
                                                                      std::string& reason);

}  // namespace tunely::client
