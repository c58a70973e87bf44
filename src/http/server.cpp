#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "http/session.hpp"

namespace shop::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

}  // namespace

// One I/O thread: its io_context, acceptor and the sessions it serves.
struct IoWorker {
  explicit IoWorker() : ioc(1), sweeper(ioc) {}
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer sweeper;
  std::vector<std::weak_ptr<Session>> sessions;
  std::thread thread;
};

struct Server::Impl {
  Impl(ServerOptions o, const Pipeline& p, ThreadPool& w, spdlog::logger& l)
      : options(std::move(o)), pipeline(p), workers(w), log(l) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ThreadPool& workers;
  spdlog::logger& log;
  std::vector<std::unique_ptr<IoWorker>> io;
  std::optional<net::signal_set> signals;
  bool handle_signals = false;
  std::uint16_t port = 0;
  std::atomic<std::size_t> open_sessions{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable stop_requested;
  bool started = false;
  bool joined = false;

  // What every session of this server reads (options, pipeline, pools, counters).
  SessionShared shared{options, pipeline, workers, log, open_sessions, stopping};

  void accept(IoWorker& w);
  void sweep(IoWorker& w);
  void stop_io();
};

void Server::Impl::accept(IoWorker& w) {
  w.acceptor->async_accept([this, &w](error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors or similar: back off instead of spinning.
      log.warn("accept failed: {}", ec.message());
      auto timer = std::make_shared<net::steady_timer>(w.ioc, std::chrono::milliseconds(100));
      timer->async_wait([this, &w, timer](error_code) {
        if (!stopping.load()) accept(w);
      });
      return;
    }
    if (open_sessions.load(std::memory_order_relaxed) >= options.max_connections) {
      error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), shared);
      w.sessions.push_back(session);
      session->start();
    }
    accept(w);
  });
}

void Server::Impl::sweep(IoWorker& w) {
  w.sweeper.expires_after(options.sweep_interval);
  w.sweeper.async_wait([this, &w](error_code ec) {
    if (ec) return;
    auto now = steady::now();
    std::erase_if(w.sessions, [&](const std::weak_ptr<Session>& weak) {
      auto s = weak.lock();
      if (!s) return true;
      s->check_deadline(now);
      return false;
    });
    sweep(w);
  });
}

void Server::Impl::stop_io() {
  for (auto& w : io)
    w->ioc.stop();
  for (auto& w : io)
    if (w->thread.joinable()) w->thread.join();
}

Server::Server(ServerOptions options, const Pipeline& pipeline, ThreadPool& workers,
               spdlog::logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, workers, log)) {}

Server::~Server() {
  if (impl_->started && !impl_->joined) {
    impl_->stopping = true;
    impl_->stop_io();
  }
}

void Server::start() {
  auto& im = *impl_;
  unsigned threads = im.options.io_threads != 0 ? im.options.io_threads
                                                : std::max(1u, std::thread::hardware_concurrency());
  error_code ec;
  auto address = net::ip::make_address(im.options.host, ec);
  if (ec) throw std::runtime_error("invalid HOST address: " + im.options.host);
  std::uint16_t port = im.options.port;
  if (port != 0) {
    // Our acceptors share the port through SO_REUSEPORT, which would also let a second shopd
    // of the same user bind it silently; a plain probe bind refuses while anyone listens.
    net::io_context probe_ctx;
    tcp::acceptor probe(probe_ctx);
    tcp::endpoint endpoint(address, port);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error(
          fmt::format("cannot bind {}:{}: {}", im.options.host, port, ec.message()));
  }
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<IoWorker>();
    tcp::endpoint endpoint(address, port);
    tcp::acceptor acceptor(w->ioc);
    auto fail = [&](std::string_view what) {
      throw std::runtime_error(
          fmt::format("cannot {} {}:{}: {}", what, im.options.host, port, ec.message()));
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for");
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    // Each I/O thread has its own acceptor; the kernel spreads connections among them.
    acceptor.set_option(net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor.listen(1024, ec);
    if (ec) fail("listen on");
    port = acceptor.local_endpoint().port();
    w->acceptor.emplace(std::move(acceptor));
    im.io.push_back(std::move(w));
  }
  im.port = port;
  if (im.handle_signals) {
    im.signals.emplace(im.io.front()->ioc, SIGINT, SIGTERM);
    im.signals->async_wait([this](error_code ec, int) {
      if (!ec) shutdown();
    });
  }
  for (auto& w : im.io) {
    im.accept(*w);
    im.sweep(*w);
    w->thread = std::thread([io = w.get()] { io->ioc.run(); });
  }
  im.started = true;
}

std::uint16_t Server::port() const {
  return impl_->port;
}

void Server::stop_on_signals() {
  impl_->handle_signals = true;
}

void Server::shutdown() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mutex);
    if (im.stopping.exchange(true)) return;
  }
  im.stop_requested.notify_all();
  for (auto& w : im.io) {
    net::post(w->ioc, [w = w.get(), &im] {
      error_code ignored;
      if (w->acceptor) w->acceptor->close(ignored);
      if (im.signals && w == im.io.front().get()) im.signals->cancel(ignored);
      for (auto& weak : w->sessions)
        if (auto s = weak.lock()) s->begin_shutdown();
    });
  }
}

void Server::wait() {
  auto& im = *impl_;
  {
    std::unique_lock lock(im.mutex);
    im.stop_requested.wait(lock, [&] { return im.stopping.load(); });
  }
  auto give_up = steady::now() + im.options.shutdown_grace;
  while (im.open_sessions.load() > 0 && steady::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  im.stop_io();
  im.joined = true;
}

std::size_t Server::open_connections() const {
  return impl_->open_sessions.load();
}

}  // namespace shop::http
