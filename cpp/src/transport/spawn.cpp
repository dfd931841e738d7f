#include "tunely/transport/spawn.hpp"

#include <boost/system/system_error.hpp>
#include <spdlog/spdlog.h>

namespace tunely::transport {

void log_escaped_exception(const std::string& context, std::exception_ptr e) noexcept {
    try {
        std::rethrow_exception(e);
    } catch (const boost::system::system_error& ex) {
        // Peer resets and cancellations are routine at the root of a connection.
        if (ex.code() == asio::error::operation_aborted || ex.code() == asio::error::eof ||
            ex.code() == asio::error::connection_reset)
            spdlog::debug("{}: {}", context, ex.what());
        else
            spdlog::warn("{}: {}", context, ex.what());
    } catch (const std::exception& ex) {
        spdlog::error("{}: {}", context, ex.what());
    } catch (...) {
        spdlog::error("{}: unknown exception", context);
    }
}

}  // namespace tunely::transport
