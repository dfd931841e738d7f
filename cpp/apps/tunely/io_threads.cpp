#include "io_threads.hpp"

namespace tunely::app {

io_threads::io_threads(std::size_t count) {
    for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
        contexts_.push_back(std::make_unique<context>(1));
        if (i > 0) guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
}

io_threads::~io_threads() {
    stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

executor io_threads::next() {
    const auto i = turn_.fetch_add(1, std::memory_order_relaxed) % contexts_.size();
    return contexts_[i]->get_executor();
}

void io_threads::run() {
    for (std::size_t i = 1; i < contexts_.size(); ++i) threads_.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
    main().run();
    stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    for (auto& ctx : contexts_) ctx->shutdown();
}

void io_threads::stop() {
    for (auto& ctx : contexts_) ctx->stop();
}

std::size_t io_threads::default_count() {
    const auto cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

}  // namespace tunely::app
