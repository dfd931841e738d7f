#include "io_threads.hpp"

namespace tunely::app {

io_threads::io_threads(asio::io_context& main, std::size_t count) : main_(main) {
    for (std::size_t i = 1; i < count; ++i) {
        others_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*others_.back()));
    }
}

io_threads::~io_threads() {
    stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

executor io_threads::next() {
    const auto i = turn_.fetch_add(1, std::memory_order_relaxed) % (others_.size() + 1);
    return i == 0 ? executor(main_.get_executor()) : executor(others_[i - 1]->get_executor());
}

void io_threads::run() {
    for (auto& ctx : others_) threads_.emplace_back([&ctx] { ctx->run(); });
    main_.run();
    stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void io_threads::stop() {
    main_.stop();
    for (auto& ctx : others_) ctx->stop();
}

std::size_t io_threads::default_count() {
    const auto cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

}  // namespace tunely::app
