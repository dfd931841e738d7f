#pragma once
// A TCP relay between a store and its database server that breaks a connection
// the way a network does: after a chosen statement has reached the server, the
// client's side is closed while the server's answer is read and thrown away. The
// statement runs on the server; the client never learns whether it did (a
// COMMIT whose acknowledgement was lost).
//
// One thread relays every connection (poll); the public calls are thread-safe.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tunely::store::test {

class cutting_proxy {
public:
    // Listens on 127.0.0.1 (a free port) and relays to target_host:target_port.
    cutting_proxy(const std::string& target_host, int target_port);
    ~cutting_proxy();
    cutting_proxy(const cutting_proxy&) = delete;
    cutting_proxy& operator=(const cutting_proxy&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // The next client-to-server chunk that contains `marker` is delivered to the
    // server, then that connection is cut as described above. Once.
    void cut_after(std::string marker);
    // Closes every relayed connection (a database restart, as clients see it);
    // returns once they are closed (or after 5 s).
    void drop_all();
    // Connections cut by cut_after so far.
    int cuts() const noexcept { return cuts_.load(); }

private:
    void run();
    void wake(char command);

    int listen_fd_ = -1;
    int wake_pipe_[2] = {-1, -1};
    std::uint16_t port_ = 0;
    std::string target_host_;
    int target_port_ = 0;
    std::mutex mutex_;
    std::string marker_;  // armed when not empty (guarded by mutex_)
    std::atomic<int> cuts_{0};
    std::atomic<int> drops_{0};  // drop_all requests carried out
    std::thread thread_;
};

}  // namespace tunely::store::test
