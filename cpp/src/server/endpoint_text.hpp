#pragma once
// "ip:port" of a TCP or UDP endpoint, IPv6 addresses in brackets: how logs and the tunely-peer field name an
// external peer (spec/PROTOCOL.md §2.15).
#include <string>

namespace tunely::server {

template <class Endpoint>
std::string endpoint_text(const Endpoint& ep) {
    auto a = ep.address();
    auto host = a.is_v6() && !a.to_v6().is_v4_mapped() ? "[" + a.to_string() + "]" : a.to_string();
    return host + ":" + std::to_string(ep.port());
}

}  // namespace tunely::server
