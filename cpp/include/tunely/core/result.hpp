#pragma once
// Expected outcomes are values: result<T> holds a T or a std::error_code
// (normally a tunely::error).
#include <boost/system/result.hpp>
#include <system_error>

namespace tunely {
template <class T>
using result = boost::system::result<T, std::error_code>;
}  // namespace tunely
