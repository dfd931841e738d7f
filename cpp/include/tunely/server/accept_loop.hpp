#pragma once
// An accept loop: hands every accepted connection (TCP_NODELAY set) to `serve`, which spawns it as a child
// of a task group (cancelled and joined at shutdown). Ends when the acceptor is closed; the loop holds the
// acceptor, so closing it at any time is safe.
//
// After a failed accept the loop pauses: an error that persists (EMFILE, ENFILE, ENOBUFS) leaves the
// listening socket readable, and retrying at once would spin a core and flood the log just when the
// server is overloaded. The pause starts at 5 ms and doubles up to 1 s while accepts keep failing; an
// accepted connection resets it (rathole does the same). One log line per pause.
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

#include "tunely/transport/asio.hpp"

namespace tunely::server {

// `place` names the executor (I/O thread) each accepted socket belongs to; without it, the acceptor's.
awaitable<void> accept_loop(std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor,
                            std::function<void(boost::asio::ip::tcp::socket)> serve,
                            std::function<executor()> place);
awaitable<void> accept_loop(std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor,
                            std::function<void(boost::asio::ip::tcp::socket)> serve);

}  // namespace tunely::server
