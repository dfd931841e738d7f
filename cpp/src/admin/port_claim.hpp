#pragma once
// A listener port a tunnel's create or update asks for — "tcp_port" or "udp_port": a port (1-65535),
// "auto" (the server picks a free one of its range) or null (none) — handled the same way for both
// protocols: validated; the listener bound before the store records the port (a port another process
// holds, or one outside the range, is refused before anything is stored); put back as the store has it
// when the store refuses the change; closed once the store dropped it (null).
//
// One object per protocol and request, on the handler's frame; the listeners it points to outlive the
// admin API. Runs on the tunnel server's executor.
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "tunely/server/port_listeners.hpp"
#include "tunely/server/tunnel_server.hpp"
#include "tunely/store/records.hpp"

namespace tunely::admin {

class port_claim {
public:
    // `protocol`: "tcp" or "udp" (a literal: the field is "<protocol>_port"); `listeners`: null when the
    // server has none for it (then a port is refused); `stored`: the record's column for it.
    port_claim(const char* protocol, server::port_listeners* listeners,
               std::optional<int> store::tunnel_record::*stored);

    // Reads the field from a request body; false with `problem` when it is none of the forms above.
    bool parse(const boost::json::object& body, std::string& problem);
    // The field was given (null included).
    bool present() const noexcept { return present_; }
    // A port is asked for: a number or "auto".
    bool wants_port() const noexcept { return present_ && !none_; }
    // Whether `domain` holds a runtime port of this protocol now.
    bool held_by(const std::string& domain) const;

    // Binds the port asked for (wants_port()) for `domain`. False with the answer's `status` and `problem`.
    awaitable<bool> claim(server::tunnel_server& server, const std::string& domain, unsigned& status,
                          std::string& problem);
    // What the store is to record: the port bound; nothing for null (and before a claim).
    std::optional<int> value() const noexcept { return bound_; }
    // The store refused the change: the domain's listener goes back to the port it had before claim().
    void undo(const std::string& domain);
    // The store took the change: a port set to null is closed now.
    void commit(const std::string& domain);

private:
    const char* protocol_;
    server::port_listeners* listeners_;
    std::optional<int> store::tunnel_record::*stored_;
    bool present_ = false;
    bool none_ = false;                       // null: release the port
    std::optional<std::uint16_t> asked_;      // empty with wants_port(): "auto"
    std::optional<std::uint16_t> previous_;   // the domain's runtime port when claim() began
    std::optional<int> bound_;
};

}  // namespace tunely::admin
