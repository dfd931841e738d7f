#pragma once
// An admin API call whose answer is a JSON object, with its status checked (a failure of the running test
// when it is not `expected`).
#include <boost/json/object.hpp>

#include <string>

#include "tunely_stack.hpp"

namespace tunely::test {

boost::json::object admin_json(const tunely_server_process& server, const std::string& method,
                               const std::string& target, const std::string& body = {}, unsigned expected = 200);

}  // namespace tunely::test
