#include "app/app.hpp"

#include <spdlog/logger.h>

#include <filesystem>
#include <thread>

#include "app/housekeeping.hpp"
#include "app/scheduler.hpp"
#include "app/secrets.hpp"
#include "app/service_routes.hpp"
#include "auth/access_token.hpp"
#include "auth/auth_routes.hpp"
#include "auth/auth_service.hpp"
#include "auth/avatar_service.hpp"
#include "auth/password_hasher.hpp"
#include "cache/cached_loader.hpp"
#include "cache/in_process_cache.hpp"
#include "cache/in_process_rate_limiter.hpp"
#include "cache/redis_cache.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_rate_limiter.hpp"
#include "cart/cart_routes.hpp"
#include "cart/cart_service.hpp"
#include "catalog/catalog_routes.hpp"
#include "catalog/catalog_service.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/thread_pool.hpp"
#include "http/metrics.hpp"
#include "http/middleware.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "media/media_references.hpp"
#include "media/media_routes.hpp"
#include "media/media_store.hpp"
#include "orders/order_routes.hpp"
#include "orders/order_service.hpp"
#include "storage/migrator.hpp"
#include "storage/open_database.hpp"

namespace shop::app {
namespace {

// Threads of the routes that wait for password hashing: enough for every request admitted to
// the hashing queue (HashQueueLimits::max_wait of hashes) plus those doing their database work.
constexpr std::size_t kHashingRouteThreads = 32;
constexpr std::size_t kHashingRouteQueue = 1024;

}  // namespace

// Everything the running app owns, in construction order (destroyed in reverse).
struct App::Parts {
  explicit Parts(const Clock* injected) : clock(injected != nullptr ? *injected : system_clock) {}
  SystemClock system_clock;
  const Clock& clock;  // the system clock, or the one a test injected
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<ThreadPool> workers;
  cache::InProcessRateLimiter local_rate_limiter{clock};
  std::unique_ptr<cache::RedisClient> redis;  // with REDIS_URL
  std::unique_ptr<cache::RateLimiter> shared_rate_limiter;
  cache::RateLimiter* rate_limiter = &local_rate_limiter;  // the shared one when there is one
  std::unique_ptr<auth::AccessTokens> access_tokens;
  std::unique_ptr<auth::PasswordHasher> password_hasher;
  std::unique_ptr<ThreadPool> hashing_routes;  // sign-up, login: wait for hashing here
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<cache::Cache> cache;
  std::unique_ptr<cache::CachedLoader> cached_loader;
  std::unique_ptr<media::MediaStore> media;
  std::unique_ptr<media::MediaReferences> media_refs;
  std::unique_ptr<catalog::CatalogService> catalog;
  std::unique_ptr<auth::AvatarService> avatars;
  std::unique_ptr<cart::CartService> cart;
  std::unique_ptr<orders::OrderService> orders;
  http::Router router;
  const http::Metrics* metrics_view = nullptr;
  std::unique_ptr<http::Metrics> metrics;
  std::unique_ptr<http::Pipeline> pipeline;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<Housekeeping> housekeeping;
  std::unique_ptr<Scheduler> scheduler;  // last: stopped first
};

App::App(Config config, std::shared_ptr<spdlog::logger> log, AppHooks hooks)
    : config_(std::move(config)),
      log_(std::move(log)),
      hooks_(std::move(hooks)),
      parts_(std::make_unique<Parts>(hooks_.clock)) {}

App::~App() {
  if (parts_->scheduler) parts_->scheduler->stop();
  if (parts_->server) {
    parts_->server->shutdown();
    parts_->server->wait();
  }
  stop_pools();
}

void App::stop_pools() {
  if (parts_->hashing_routes) parts_->hashing_routes->stop();
  if (parts_->workers) parts_->workers->stop();
}

void App::start() {
  auto& p = *parts_;
  storage::DatabaseOptions db_options;
  db_options.pool_size = config_.database_pool_size;
  p.db = storage::open_database(config_.database_url, db_options);
  auto applied = storage::Migrator(*p.db).apply();
  for (const auto& m : applied)
    log_->info("applied migration {}", storage::migration_label(m.version, m.name));

  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned workers = config_.worker_threads != 0 ? config_.worker_threads : std::max(4u, 2 * cores);
  p.workers = std::make_unique<ThreadPool>(workers, 4096);

  // Redis (REDIS_URL) shares the cache and the rate limits between instances. It is never
  // required: while it is away requests go on with cache misses and per-instance limits.
  if (config_.redis_url) {
    cache::RedisOptions redis_options;
    redis_options.endpoint = cache::parse_redis_url(*config_.redis_url);
    redis_options.pool_size = workers;
    redis_options.timeout = config_.redis_timeout;
    p.redis = std::make_unique<cache::RedisClient>(redis_options, *log_);
    p.shared_rate_limiter = std::make_unique<cache::RedisRateLimiter>(
        *p.redis, config_.redis_key_prefix, p.local_rate_limiter);
    p.rate_limiter = p.shared_rate_limiter.get();
    if (!p.redis->ping())
      log_->warn("starting without Redis at {} for now; it is used as soon as it answers",
                 p.redis->describe());
  }

  // Password hashing has its own threads, at low priority, on at most half the cores, served in
  // arrival order while the expected wait stays under max_wait. The routes that wait for it
  // (sign-up, login, password change) run on a pool of their own, so a sign-up rush or a login
  // flood never holds the workers that serve everything else.
  p.access_tokens = std::make_unique<auth::AccessTokens>(jwt_secret(config_, *log_),
                                                         config_.access_token_ttl, p.clock);
  p.password_hasher = std::make_unique<auth::PasswordHasher>(std::max(1u, cores / 2));
  p.hashing_routes = std::make_unique<ThreadPool>(kHashingRouteThreads, kHashingRouteQueue);
  p.auth = std::make_unique<auth::AuthService>(
      *p.db, *p.password_hasher, *p.access_tokens, *p.rate_limiter, p.clock,
      auth::AuthSettings{.refresh_ttl = config_.refresh_token_ttl});

  // Answers are invalidated by generation on every write; the TTL only bounds memory held by
  // entries nobody asks for.
  if (config_.cache_max_mb == 0)
    p.cache = std::make_unique<cache::NullCache>();
  else if (p.redis)
    p.cache = std::make_unique<cache::RedisCache>(*p.redis, config_.redis_key_prefix);
  else
    p.cache = std::make_unique<cache::InProcessCache>(config_.cache_max_mb * 1024 * 1024, p.clock);
  p.cached_loader = std::make_unique<cache::CachedLoader>(*p.cache, std::chrono::minutes(10));
  // libvips starts on the first upload (process_image), so a server that never receives an
  // image does not pay its memory.
  p.media = std::make_unique<media::MediaStore>(config_.media_dir);
  p.media_refs = std::make_unique<media::MediaReferences>(*p.db, *p.media, p.clock, *log_);
  p.avatars = std::make_unique<auth::AvatarService>(*p.db, *p.media, *p.media_refs, p.clock);
  p.catalog = std::make_unique<catalog::CatalogService>(*p.db, *p.cached_loader, *p.media,
                                                        *p.media_refs, p.clock, config_.public_url);

  p.cart = std::make_unique<cart::CartService>(*p.db, p.clock);
  std::string media_base_url = config_.public_url + "/media/";
  catalog::CatalogService& catalog_service = *p.catalog;
  p.orders = std::make_unique<orders::OrderService>(
      *p.db, p.clock, config_.public_url,
      [&catalog_service] { catalog_service.products_changed(); });

  cache::RedisClient* redis = p.redis.get();
  bool cache_on = config_.cache_max_mb > 0;
  add_service_routes(p.router, *p.db, p.metrics_view, [redis, cache_on]() -> std::string {
    if (!cache_on) return "off";
    if (redis == nullptr) return "in-process";
    return redis->ping() ? "redis" : "degraded";
  });
  std::vector<std::string> trusted_origins = config_.client_origins;
  trusted_origins.push_back(config_.public_url);
  auth::add_auth_routes(p.router, *p.auth, *p.avatars, *p.rate_limiter,
                        {.cookie_secure = config_.cookie_secure,
                         .refresh_ttl = config_.refresh_token_ttl,
                         .trusted_origins = std::move(trusted_origins),
                         .attempts_per_ip = config_.auth_rate_limit_max,
                         .window = config_.rate_limit_window,
                         .media_base_url = media_base_url,
                         .max_upload_bytes = config_.max_upload_mb * 1024 * 1024,
                         .hashing_routes_pool = p.hashing_routes.get()});
  catalog::add_catalog_routes(p.router, *p.catalog,
                              {.max_upload_bytes = config_.max_upload_mb * 1024 * 1024});
  cart::add_cart_routes(p.router, *p.cart, media_base_url);
  orders::add_order_routes(p.router, *p.orders);
  media::add_media_routes(p.router, *p.media);
  if (hooks_.extra_routes) hooks_.extra_routes(p.router);
  p.metrics = std::make_unique<http::Metrics>(p.router);
  p.metrics_view = p.metrics.get();
  storage::Database& db = *p.db;
  ThreadPool& pool = *p.workers;
  p.metrics->add_gauge("shopd_db_pool_size", "Connections the database pool may open.", "gauge",
                       [&db] { return static_cast<double>(db.stats().size); });
  p.metrics->add_gauge("shopd_db_pool_in_use", "Database connections leased now.", "gauge",
                       [&db] { return static_cast<double>(db.stats().in_use); });
  p.metrics->add_gauge("shopd_db_pool_waiting", "Requests waiting for a database connection.",
                       "gauge", [&db] { return static_cast<double>(db.stats().waiting); });
  p.metrics->add_gauge("shopd_db_pool_timeouts_total",
                       "Requests that gave up waiting for a database connection.", "counter",
                       [&db] { return static_cast<double>(db.stats().timeouts); });
  cache::Cache& response_cache = *p.cache;
  cache::CachedLoader& loader = *p.cached_loader;
  p.metrics->add_gauge(
      "shopd_cache_hits_total", "Answers served from the cache.", "counter",
      [&response_cache] { return static_cast<double>(response_cache.stats().hits); });
  p.metrics->add_gauge(
      "shopd_cache_misses_total", "Cache lookups that found nothing.", "counter",
      [&response_cache] { return static_cast<double>(response_cache.stats().misses); });
  p.metrics->add_gauge(
      "shopd_cache_bytes", "Bytes held by the in-process cache.", "gauge",
      [&response_cache] { return static_cast<double>(response_cache.stats().bytes); });
  p.metrics->add_gauge(
      "shopd_cache_evictions_total", "Entries evicted to stay within CACHE_MAX_MB.", "counter",
      [&response_cache] { return static_cast<double>(response_cache.stats().evictions); });
  p.metrics->add_gauge("shopd_cache_errors_total",
                       "Cache calls that failed (served from the database).", "counter",
                       [&loader] { return static_cast<double>(loader.cache_errors()); });
  if (redis != nullptr) {
    p.metrics->add_gauge("shopd_redis_up", "1 while Redis answers, 0 while serving without it.",
                         "gauge", [redis] { return redis->available() ? 1.0 : 0.0; });
    p.metrics->add_gauge("shopd_redis_errors_total",
                         "Redis calls that failed (not those refused at once while it is away).",
                         "counter", [redis] { return static_cast<double>(redis->errors()); });
  }
  p.metrics->add_gauge("shopd_worker_busy", "Worker threads running a request.", "gauge",
                       [&pool] { return static_cast<double>(pool.busy()); });
  p.metrics->add_gauge("shopd_worker_queued", "Requests waiting for a worker thread.", "gauge",
                       [&pool] { return static_cast<double>(pool.queued()); });

  p.pipeline = std::make_unique<http::Pipeline>(p.router, *log_);
  p.pipeline->use(http::client_address(config_.trust_proxy));
  p.pipeline->use(http::request_id());
  p.pipeline->use(http::access_log(*log_, *p.metrics));
  p.pipeline->use(http::security_headers());
  p.pipeline->use(http::cors({config_.client_origins, config_.client_any_origin}));
  // Outside the error mapper: an answer made from an error still carries the budget it counted.
  p.pipeline->use(
      http::rate_limit(*p.rate_limiter, {config_.rate_limit_max, config_.rate_limit_window}));
  p.pipeline->use(http::error_mapper(*log_));
  p.pipeline->set_rate_limits_block(p.rate_limiter->may_block());
  p.pipeline->use(http::body_parser());
  p.pipeline->use(auth::require_auth(*p.auth));
  p.pipeline->set_body_gate(auth::body_gate(*p.auth));

  http::ServerOptions server_options;
  server_options.host = config_.host;
  server_options.port = config_.port;
  server_options.io_threads = config_.io_threads;
  server_options.upload_body_limit = config_.max_upload_mb * 1024 * 1024 + 64 * 1024;
  if (hooks_.server_options) hooks_.server_options(server_options);
  p.server = std::make_unique<http::Server>(server_options, *p.pipeline, *p.workers, *log_);
  if (handle_signals_) p.server->stop_on_signals();
  p.server->start();
  http::Server& server = *p.server;
  p.metrics->add_gauge("shopd_http_open_connections", "Client connections open now.", "gauge",
                       [&server] { return static_cast<double>(server.open_connections()); });

  // Housekeeping, on one instance of the cluster at a time (a lease in the database).
  p.housekeeping = std::make_unique<Housekeeping>(*p.db, *p.media, *p.media_refs, p.clock);
  p.scheduler = std::make_unique<Scheduler>(*p.db, p.clock, *log_);
  if (config_.housekeeping_interval.count() > 0) {
    Housekeeping& housekeeping = *p.housekeeping;
    p.scheduler->add("housekeeping", config_.housekeeping_interval, [&housekeeping, this] {
      Swept s = housekeeping.run_once();
      if (s.refresh_tokens + s.idempotency_keys + s.media_temp_files + s.media_reservations > 0)
        log_->info(
            "housekeeping removed refresh_tokens={} idempotency_keys={} media_temp_files={} "
            "media_reservations={}",
            s.refresh_tokens, s.idempotency_keys, s.media_temp_files, s.media_reservations);
    });
  }
  const Housekeeping& swept = *p.housekeeping;
  auto removed = [&](std::string name, std::string help, std::int64_t Swept::*field) {
    p.metrics->add_gauge(std::move(name), std::move(help), "counter",
                         [&swept, field] { return static_cast<double>(swept.totals().*field); });
  };
  removed("shopd_housekeeping_refresh_tokens_removed_total",
          "Refresh tokens expired for over a day that housekeeping deleted.",
          &Swept::refresh_tokens);
  removed("shopd_housekeeping_idempotency_keys_removed_total",
          "Expired Idempotency-Key records that housekeeping deleted.", &Swept::idempotency_keys);
  removed("shopd_housekeeping_media_temp_files_removed_total",
          "Temporary files of uploads cut off by a crash that housekeeping deleted.",
          &Swept::media_temp_files);
  removed("shopd_housekeeping_media_reservations_removed_total",
          "Media reservations of uploads that died that housekeeping dropped.",
          &Swept::media_reservations);
  p.metrics->add_gauge("shopd_housekeeping_runs_total",
                       "Housekeeping runs this instance made (while it held the lease).", "counter",
                       [&swept] { return static_cast<double>(swept.runs()); });
  p.scheduler->start();

  log_->info(
      "shopd listening on http://{}:{} storage={} cache={} rate_limits={} media={} workers={}",
      config_.host.find(':') != std::string::npos ? "[" + config_.host + "]" : config_.host,
      p.server->port(), p.db->describe(), p.cache->describe(),
      redis != nullptr ? redis->describe() : "in-process", config_.media_dir, workers);
}

std::uint16_t App::port() const {
  return parts_->server ? parts_->server->port() : 0;
}

void App::stop_on_signals() {
  handle_signals_ = true;
}

void App::shutdown() {
  if (parts_->server) parts_->server->shutdown();
}

void App::wait() {
  if (parts_->server) parts_->server->wait();
  if (parts_->scheduler) parts_->scheduler->stop();
  stop_pools();
  log_->info("shopd stopped");
  log_->flush();
}

}  // namespace shop::app
