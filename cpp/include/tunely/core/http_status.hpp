#pragma once
// The single mapping from tunely::error to an HTTP status (ingress and admin API).
#include "tunely/core/error.hpp"

namespace tunely {

// Statuses follow product.md: not connected / target down 503, timeout 504,
// tunnel lost mid-request 502, oversized headers 431, oversized body 413, bad
// domain or path 400, unknown tunnel 404, auth 401, conflict 409, store down 503.
unsigned http_status(error e) noexcept;
unsigned http_status(const std::error_code& ec) noexcept;

}  // namespace tunely
