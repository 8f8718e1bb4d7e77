#pragma once
// A tiny HTTP/1.1 responder on 127.0.0.1 for tests of the real curl transport: it accepts any
// number of connections, keeps each open for further requests (keep-alive), hands every request
// to a handler and writes back what the handler returns. It counts connections so a test can
// tell whether the client reused one.
//
// Owns one thread, joined in the destructor. Thread-safe accessors.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kwb::aws::testing {

struct ReceivedRequest {
  std::string head;  // request line and headers
  std::string body;
};

class LoopbackServer {
 public:
  // Returns the body of a 200 response; return a full "HTTP/1.1 ..." text to control everything.
  using Handler = std::function<std::string(const ReceivedRequest&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1 only
    address.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen on 127.0.0.1 failed");
    }
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    for (Connection& c : connections_) ::close(c.fd);
    ::close(listen_fd_);
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int connections_accepted() const { return accepted_; }
  [[nodiscard]] std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct Connection {
    int fd;
    std::string buffer;
  };

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds;
      fds.push_back({listen_fd_, POLLIN, 0});
      for (const Connection& c : connections_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          ++accepted_;
          connections_.push_back({fd, {}});
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        Connection& c = connections_[i - 1];
        char chunk[4096];
        ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
        c.buffer.append(chunk, static_cast<std::size_t>(n));
        serve_complete_requests(c);
      }
      std::erase_if(connections_, [](const Connection& c) { return c.fd < 0; });
    }
  }

  void serve_complete_requests(Connection& c) {
    while (true) {
      std::size_t end = c.buffer.find("\r\n\r\n");
      if (end == std::string::npos) return;
      ReceivedRequest request;
      request.head = c.buffer.substr(0, end);
      std::size_t content_length = 0;
      std::string lower = request.head;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (std::size_t pos = lower.find("\r\ncontent-length:"); pos != std::string::npos) {
        content_length = std::stoul(lower.substr(pos + 17));
      }
      if (c.buffer.size() < end + 4 + content_length) return;
      request.body = c.buffer.substr(end + 4, content_length);
      c.buffer.erase(0, end + 4 + content_length);
      std::string reply = handler_(request);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      if (reply.rfind("HTTP/", 0) != 0) {
        reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Test-Header: yes\r\nContent-Length: " +
                std::to_string(reply.size()) + "\r\n\r\n" + reply;
      }
      std::size_t sent = 0;
      while (sent < reply.size()) {
        ssize_t n = ::send(c.fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
      }
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<Connection> connections_;  // used only by thread_ (and the destructor after join)
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;  // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace kwb::aws::testing
