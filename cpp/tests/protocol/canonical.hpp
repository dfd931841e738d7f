#pragma once
// The canonical JSON form of decoded messages (spec/vectors/README.md), used to
// compare decoder output with the vectors' expectations.
#include <boost/json.hpp>

#include "tunely/protocol/v1_messages.hpp"
#include "tunely/protocol/v2_frames.hpp"

namespace tunely::test {

boost::json::value canonical(const protocol::v1::message& m);
boost::json::value canonical(const protocol::v2::frame& f);

}  // namespace tunely::test
