#pragma once
// A value that must never reach a log: streaming or formatting it prints "***".
#include <ostream>
#include <string>

namespace tunely {

class secret {
public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}
    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    friend std::ostream& operator<<(std::ostream& os, const secret&) { return os << "***"; }

private:
    std::string value_;
};

}  // namespace tunely
