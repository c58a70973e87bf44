#include "app/app.hpp"

#include <spdlog/logger.h>

#include <filesystem>
#include <thread>

#include "analytics/analytics_routes.hpp"
#include "analytics/analytics_service.hpp"
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
#include "outbound/http_client.hpp"
#include "pages/page_routes.hpp"
#include "payments/payment_reconciler.hpp"
#include "payments/payment_routes.hpp"
#include "payments/payment_service.hpp"
#include "payments/stripe_provider.hpp"
#include "storage/migrator.hpp"

namespace shop::app {
namespace {

// Threads of the routes that wait for password hashing: enough for every request admitted to
// the hashing queue (HashQueueLimits::max_wait of hashes) plus those doing their database work.
constexpr std::size_t kHashingRouteThreads = 32;
constexpr std::size_t kHashingRouteQueue = 1024;
// Threads of the routes that wait for the payment provider (checkout, cancel, status, payment,
// its webhook): each call may take up to the provider's timeout (10 s), so a slow provider fills
// this pool, never the workers.
constexpr std::size_t kProviderRouteThreads = 32;
constexpr std::size_t kProviderRouteQueue = 1024;

unsigned cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

double as_number(std::uint64_t n) {
  return static_cast<double>(n);
}

}  // namespace

// Everything the running app owns, in construction order (destroyed in reverse), and the steps
// that build it. Each step registers the gauges of what it builds.
struct App::Parts {
  Parts(const Config& c, spdlog::logger& l, const AppHooks& h)
      : config(c), log(l), hooks(h), clock(h.clock != nullptr ? *h.clock : system_clock) {}

  void open_storage();
  void connect_cache();
  void make_services();
  void add_routes();
  void build_pipeline();
  void start_server(bool handle_signals);
  void start_jobs();

  const Config& config;
  spdlog::logger& log;
  const AppHooks& hooks;
  SystemClock system_clock;
  const Clock& clock;  // the system clock, or the one a test injected
  http::Router router;
  http::Metrics metrics{router};  // before the routes: /metrics renders it
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<ThreadPool> workers;
  cache::InProcessRateLimiter local_rate_limiter{clock};
  std::unique_ptr<cache::RedisClient> redis;  // with REDIS_URL
  std::unique_ptr<cache::RateLimiter> shared_rate_limiter;
  cache::RateLimiter* rate_limiter = &local_rate_limiter;  // the shared one when there is one
  std::unique_ptr<cache::Cache> cache;
  std::unique_ptr<cache::CachedLoader> cached_loader;
  std::unique_ptr<auth::AccessTokens> access_tokens;
  std::unique_ptr<auth::PasswordHasher> password_hasher;
  std::unique_ptr<ThreadPool> hashing_routes;   // sign-up, login: wait for hashing here
  std::unique_ptr<ThreadPool> provider_routes;  // checkout and others: wait for Stripe here
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<media::MediaStore> media;
  std::unique_ptr<media::MediaReferences> media_refs;
  std::unique_ptr<catalog::CatalogService> catalog;
  std::unique_ptr<auth::AvatarService> avatars;
  std::unique_ptr<cart::CartService> cart;
  std::unique_ptr<outbound::HttpClient> outbound_http;
  std::unique_ptr<payments::PaymentProvider> payment_provider;  // none: manual
  std::unique_ptr<payments::PaymentService> payments;
  std::unique_ptr<orders::OrderService> orders;
  std::unique_ptr<analytics::AnalyticsService> analytics;
  std::unique_ptr<http::Pipeline> pipeline;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<Housekeeping> housekeeping;
  std::unique_ptr<payments::PaymentReconciler> reconciler;
  std::unique_ptr<Scheduler> scheduler;  // last: stopped first
};

// The database, migrated, and its worker pool.
void App::Parts::open_storage() {
  auto migrated =
      storage::open_and_migrate(config.database_url, {.pool_size = config.database_pool_size});
  db = std::move(migrated.db);
  for (const auto& m : migrated.applied)
    log.info("applied migration {}", storage::migration_label(m.version, m.name));
  storage::Database& d = *db;
  metrics.add_gauge("shopd_db_pool_size", "Connections the database pool may open.", "gauge",
                    [&d] { return as_number(d.stats().size); });
  metrics.add_gauge("shopd_db_pool_in_use", "Database connections leased now.", "gauge",
                    [&d] { return as_number(d.stats().in_use); });
  metrics.add_gauge("shopd_db_pool_waiting", "Requests waiting for a database connection.", "gauge",
                    [&d] { return as_number(d.stats().waiting); });
  metrics.add_gauge("shopd_db_pool_timeouts_total",
                    "Requests that gave up waiting for a database connection.", "counter",
                    [&d] { return as_number(d.stats().timeouts); });

  unsigned threads = config.worker_threads != 0 ? config.worker_threads : std::max(4u, 2 * cores());
  workers = std::make_unique<ThreadPool>(threads, 4096);
  ThreadPool& pool = *workers;
  metrics.add_gauge("shopd_worker_busy", "Worker threads running a request.", "gauge",
                    [&pool] { return as_number(pool.busy()); });
  metrics.add_gauge("shopd_worker_queued", "Requests waiting for a worker thread.", "gauge",
                    [&pool] { return as_number(pool.queued()); });
}

// Redis (REDIS_URL) shares the cache and the rate limits between instances. It is never
// required: while it is away requests go on with cache misses and per-instance limits.
void App::Parts::connect_cache() {
  if (config.redis_url) {
    cache::RedisOptions redis_options;
    redis_options.endpoint = cache::parse_redis_url(*config.redis_url);
    redis_options.pool_size = workers->threads();
    redis_options.timeout = config.redis_timeout;
    redis = std::make_unique<cache::RedisClient>(redis_options, log);
    shared_rate_limiter = std::make_unique<cache::RedisRateLimiter>(*redis, config.redis_key_prefix,
                                                                    local_rate_limiter);
    rate_limiter = shared_rate_limiter.get();
    if (!redis->ping())
      log.warn("starting without Redis at {} for now; it is used as soon as it answers",
               redis->describe());
    cache::RedisClient& r = *redis;
    metrics.add_gauge("shopd_redis_up", "1 while Redis answers, 0 while serving without it.",
                      "gauge", [&r] { return r.available() ? 1.0 : 0.0; });
    metrics.add_gauge("shopd_redis_errors_total",
                      "Redis calls that failed (not those refused at once while it is away).",
                      "counter", [&r] { return as_number(r.errors()); });
  }

  // Answers are invalidated by generation on every write; the TTL only bounds memory held by
  // entries nobody asks for.
  if (config.cache_max_mb == 0)
    cache = std::make_unique<cache::NullCache>();
  else if (redis)
    cache = std::make_unique<cache::RedisCache>(*redis, config.redis_key_prefix);
  else
    cache = std::make_unique<cache::InProcessCache>(config.cache_max_mb * 1024 * 1024, clock);
  cached_loader = std::make_unique<cache::CachedLoader>(*cache, std::chrono::minutes(10));
  cache::Cache& c = *cache;
  metrics.add_gauge("shopd_cache_hits_total", "Answers served from the cache.", "counter",
                    [&c] { return as_number(c.stats().hits); });
  metrics.add_gauge("shopd_cache_misses_total", "Cache lookups that found nothing.", "counter",
                    [&c] { return as_number(c.stats().misses); });
  metrics.add_gauge("shopd_cache_bytes", "Bytes held by the in-process cache.", "gauge",
                    [&c] { return as_number(c.stats().bytes); });
  metrics.add_gauge("shopd_cache_evictions_total", "Entries evicted to stay within CACHE_MAX_MB.",
                    "counter", [&c] { return as_number(c.stats().evictions); });
  cache::CachedLoader& loader = *cached_loader;
  metrics.add_gauge("shopd_cache_errors_total",
                    "Cache calls that failed (served from the database).", "counter",
                    [&loader] { return as_number(loader.cache_errors()); });
}

// The business areas: accounts, media, catalog, cart, orders, analytics.
void App::Parts::make_services() {
  // Password hashing has its own threads, at low priority, on at most half the cores, served in
  // arrival order while the expected wait stays under max_wait. The routes that wait for it
  // (sign-up, login, password change) run on a pool of their own, so a sign-up rush or a login
  // flood never holds the workers that serve everything else.
  access_tokens =
      std::make_unique<auth::AccessTokens>(jwt_secret(config, log), config.access_token_ttl, clock);
  password_hasher = std::make_unique<auth::PasswordHasher>(std::max(1u, cores() / 2));
  hashing_routes = std::make_unique<ThreadPool>(kHashingRouteThreads, kHashingRouteQueue);
  auth = std::make_unique<auth::AuthService>(
      *db, *password_hasher, *access_tokens, *rate_limiter, clock,
      auth::AuthSettings{.refresh_ttl = config.refresh_token_ttl});

  // libvips starts on the first upload (process_image), so a server that never receives an
  // image does not pay its memory.
  media = std::make_unique<media::MediaStore>(config.media_dir);
  media_refs = std::make_unique<media::MediaReferences>(*db, *media, clock, log);
  avatars = std::make_unique<auth::AvatarService>(*db, *media, *media_refs, clock);
  catalog = std::make_unique<catalog::CatalogService>(*db, *cached_loader, *media, *media_refs,
                                                      clock, config.public_url);
  cart = std::make_unique<cart::CartService>(*db, clock);
  // Payments: with an online provider, every order gets a payment that the provider is asked
  // for after the order commits; with manual, orders are paid by hand and payments stays out.
  outbound_http = std::make_unique<outbound::HttpClient>();
  if (config.payment_provider == "stripe")
    payment_provider = std::make_unique<payments::StripeProvider>(
        payments::StripeSettings{.secret_key = config.stripe_secret_key,
                                 .webhook_secret = config.stripe_webhook_secret,
                                 .api_base = config.stripe_api_base,
                                 .manual_capture = config.stripe_manual_capture},
        *outbound_http);
  payments = std::make_unique<payments::PaymentService>(
      *db, payment_provider.get(),
      payments::PaymentSettings{.provider = config.payment_provider,
                                .currency = config.currency,
                                .hold = config.payment_hold},
      clock, log);
  if (payments->online())
    provider_routes = std::make_unique<ThreadPool>(kProviderRouteThreads, kProviderRouteQueue);
  catalog::CatalogService& products = *catalog;
  orders = std::make_unique<orders::OrderService>(
      *db, clock, config.public_url, [&products] { products.products_changed(); },
      payments->online() ? payments.get() : nullptr);
  analytics = std::make_unique<analytics::AnalyticsService>(*db, clock);
}

// The route table: service routes, then each area's.
void App::Parts::add_routes() {
  cache::RedisClient* shared = redis.get();
  bool cache_on = config.cache_max_mb > 0;
  add_service_routes(router, *db, metrics, [shared, cache_on]() -> std::string {
    if (!cache_on) return "off";
    if (shared == nullptr) return "in-process";
    return shared->ping() ? "redis" : "degraded";
  });
  std::string media_base_url = config.public_url + "/media/";
  std::vector<std::string> trusted_origins = config.client_origins;
  trusted_origins.push_back(config.public_url);
  auth::add_auth_routes(router, *auth, *avatars, *rate_limiter,
                        {.cookie_secure = config.cookie_secure,
                         .refresh_ttl = config.refresh_token_ttl,
                         .trusted_origins = std::move(trusted_origins),
                         .attempts_per_ip = config.auth_rate_limit_max,
                         .window = config.rate_limit_window,
                         .media_base_url = media_base_url,
                         .max_upload_bytes = config.max_upload_mb * 1024 * 1024,
                         .hashing_routes_pool = hashing_routes.get()});
  catalog::add_catalog_routes(router, *catalog,
                              {.max_upload_bytes = config.max_upload_mb * 1024 * 1024});
  cart::add_cart_routes(router, *cart, media_base_url);
  orders::add_order_routes(router, *orders, provider_routes.get());
  payments::add_payment_routes(router, *payments, orders->json(), provider_routes.get());
  analytics::add_analytics_routes(router, *analytics, media_base_url);
  media::add_media_routes(router, *media);
  pages::add_page_routes(router, config.public_url);
  if (hooks.extra_routes) hooks.extra_routes(router);
}

// The middleware chain every request goes through, in order.
void App::Parts::build_pipeline() {
  pipeline = std::make_unique<http::Pipeline>(router, log);
  pipeline->use(http::client_address(config.trust_proxy));
  pipeline->use(http::request_id());
  pipeline->use(http::access_log(log, metrics));
  pipeline->use(http::security_headers());
  pipeline->use(http::cors({config.client_origins, config.client_any_origin}));
  // Outside the error mapper: an answer made from an error still carries the budget it counted.
  pipeline->use(http::rate_limit(*rate_limiter, {config.rate_limit_max, config.rate_limit_window}));
  pipeline->use(http::error_mapper(log));
  pipeline->set_rate_limits_block(rate_limiter->may_block());
  pipeline->use(http::body_parser());
  pipeline->use(auth::require_auth(*auth));
  pipeline->set_body_gate(auth::body_gate(*auth));
}

void App::Parts::start_server(bool handle_signals) {
  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.upload_body_limit = config.max_upload_mb * 1024 * 1024 + 64 * 1024;
  if (hooks.server_options) hooks.server_options(options);
  server = std::make_unique<http::Server>(options, *pipeline, *workers, log);
  if (handle_signals) server->stop_on_signals();
  server->start();
  http::Server& s = *server;
  metrics.add_gauge("shopd_http_open_connections", "Client connections open now.", "gauge",
                    [&s] { return as_number(s.open_connections()); });
}

// Housekeeping and the payment reconciler, each on one instance of the cluster at a time (a
// lease in the database).
void App::Parts::start_jobs() {
  housekeeping = std::make_unique<Housekeeping>(*db, *media, *media_refs, clock);
  scheduler = std::make_unique<Scheduler>(*db, clock, log);
  if (config.housekeeping_interval.count() > 0) {
    Housekeeping& job = *housekeeping;
    spdlog::logger& l = log;
    scheduler->add("housekeeping", config.housekeeping_interval, [&job, &l] {
      Swept s = job.run_once();
      if (s.refresh_tokens + s.idempotency_keys + s.media_temp_files + s.media_reservations > 0)
        l.info(
            "housekeeping removed refresh_tokens={} idempotency_keys={} media_temp_files={} "
            "media_reservations={}",
            s.refresh_tokens, s.idempotency_keys, s.media_temp_files, s.media_reservations);
    });
  }
  // Payment holds and repairs, with an online provider or MANUAL_HOLD_DAYS.
  reconciler = std::make_unique<payments::PaymentReconciler>(*db, *payments, *orders,
                                                             config.manual_hold, clock, log);
  if (payments->online() || config.manual_hold) {
    payments::PaymentReconciler& job = *reconciler;
    scheduler->add("payments", config.payment_reconcile_interval, [&job] { job.run_once(); });
  }
  const Housekeeping& swept = *housekeeping;
  auto removed = [&](std::string name, std::string help, std::int64_t Swept::*field) {
    metrics.add_gauge(std::move(name), std::move(help), "counter",
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
  metrics.add_gauge("shopd_housekeeping_runs_total",
                    "Housekeeping runs this instance made (while it held the lease).", "counter",
                    [&swept] { return as_number(swept.runs()); });
  scheduler->start();
}

App::App(Config config, std::shared_ptr<spdlog::logger> log, AppHooks hooks)
    : config_(std::move(config)),
      log_(std::move(log)),
      hooks_(std::move(hooks)),
      parts_(std::make_unique<Parts>(config_, *log_, hooks_)) {}

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
  if (parts_->provider_routes) parts_->provider_routes->stop();
  if (parts_->workers) parts_->workers->stop();
}

void App::start() {
  auto& p = *parts_;
  p.open_storage();
  p.connect_cache();
  p.make_services();
  p.add_routes();
  p.build_pipeline();
  p.start_server(handle_signals_);
  p.start_jobs();
  log_->info(
      "shopd listening on http://{}:{} storage={} cache={} rate_limits={} media={} payments={} "
      "workers={}",
      config_.host.find(':') != std::string::npos ? "[" + config_.host + "]" : config_.host,
      p.server->port(), p.db->describe(), p.cache->describe(),
      p.redis != nullptr ? p.redis->describe() : "in-process", config_.media_dir,
      config_.payment_provider, p.workers->threads());
  // Where to point a browser on this machine: the port bound, on localhost for a wildcard.
  std::string host = config_.host == "0.0.0.0" || config_.host == "::" ? "localhost"
                     : config_.host.find(':') != std::string::npos     ? "[" + config_.host + "]"
                                                                       : config_.host;
  std::string base = fmt::format("http://{}:{}", host, p.server->port());
  log_->info("shopd API docs at {}/docs, admin dashboard at {}/admin", base, base);
}

std::vector<std::pair<std::string, std::string>> App::operations() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& route : parts_->router.routes())
    out.emplace_back(std::string(http::method_name(route->method)), route->pattern);
  return out;
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
