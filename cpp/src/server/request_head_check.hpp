#pragma once
// The framing rules an ingress request head must pass before anything of it is
// forwarded (RFC 9112 §3.2, §6.1, §6.3). Beast's parser already rejects a
// Content-Length beside chunked and disagreeing Content-Lengths; these are the
// cases it lets through. A violation answers 400 and closes the connection: a
// message whose framing is in doubt cannot be followed by another one.
#include <string>

#include "ingress.hpp"

namespace tunely::server {

// Empty when the head may be served; otherwise the reason for the 400.
std::string check_request_head(const header_parser& parser);

}  // namespace tunely::server
