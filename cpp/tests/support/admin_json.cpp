#include "admin_json.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace tunely::test {

boost::json::object admin_json(const tunely_server_process& server, const std::string& method,
                               const std::string& target, const std::string& body, unsigned expected) {
    auto r = server.admin(method, target, body);
    EXPECT_EQ(r.status, expected) << method << " " << target << ": " << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
        ADD_FAILURE() << method << " " << target << ": not a JSON object: " << r.body;
        return {};
    }
    return v.get_object();
}

}  // namespace tunely::test
