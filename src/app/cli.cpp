#include "app/cli.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <ostream>
#include <stdexcept>

#include "app/accounts_tool.hpp"
#include "app/app.hpp"
#include "app/demo_orders.hpp"
#include "auth/auth_service.hpp"
#include "auth/validation.hpp"
#include "catalog/demo_catalog.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "media/image_pipeline.hpp"
#include "media/media_store.hpp"
#include "storage/migrator.hpp"

namespace shop::app {

std::string usage_text() {
  return "usage: shopd [command]\n"
         "\n"
         "commands:\n"
         "  serve                                   run the HTTP server (the default)\n"
         "  migrate                                 apply pending database migrations and exit\n"
         "  create-admin --email E --password P [--name N]\n"
         "                                          create an admin, or promote a user\n"
         "  seed-demo [--products N] [--orders N]   fill the catalog with a demo shop, and place\n"
         "                                          N demo orders over the past 90 days\n"
         "  --help                                  show this help\n"
         "  --version                               show the version\n"
         "\n"
         "Configuration comes from the environment and a .env file in the working directory;\n"
         "see README.md.\n";
}

CommandLine parse_command_line(std::span<const std::string> argv) {
  CommandLine cli;
  if (argv.empty()) return cli;
  const std::string& first = argv.front();
  if (first == "--help" || first == "-h" || first == "help") {
    cli.command = Command::help;
  } else if (first == "--version" || first == "-V") {
    cli.command = Command::version;
  } else if (first == "serve") {
    cli.command = Command::serve;
  } else if (first == "migrate") {
    cli.command = Command::migrate;
  } else if (first == "create-admin") {
    cli.command = Command::create_admin;
  } else if (first == "seed-demo") {
    cli.command = Command::seed_demo;
  } else {
    throw std::invalid_argument("unknown command \"" + first + "\"");
  }
  cli.args.assign(argv.begin() + 1, argv.end());
  bool takes_args = cli.command == Command::create_admin || cli.command == Command::seed_demo;
  if (!takes_args && !cli.args.empty())
    throw std::invalid_argument("unexpected argument \"" + cli.args.front() + "\"");
  return cli;
}

namespace {

// --email E --password P [--name N] → values; throws std::invalid_argument on anything else.
std::map<std::string, std::string> admin_flags(const std::vector<std::string>& args) {
  std::map<std::string, std::string> flags;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (flag != "--email" && flag != "--password" && flag != "--name")
      throw std::invalid_argument("unknown option \"" + flag + "\"");
    if (i + 1 >= args.size()) throw std::invalid_argument(flag + " needs a value");
    flags[flag.substr(2)] = args[i + 1];
  }
  if (!flags.contains("email") || !flags.contains("password"))
    throw std::invalid_argument("--email and --password are required");
  return flags;
}

int create_admin(const CommandLine& cli, const Config& config, std::ostream& out,
                 std::ostream& err) {
  std::map<std::string, std::string> flags;
  try {
    flags = admin_flags(cli.args);
  } catch (const std::invalid_argument& e) {
    err << "shopd create-admin: " << e.what() << "\n"
        << "usage: shopd create-admin --email E --password P [--name N]\n";
    return kExitUsage;
  }
  try {
    AccountsTool accounts(config);
    auto outcome = accounts.service().create_admin(
        flags["email"], flags["password"], flags.contains("name") ? flags["name"] : "Admin");
    std::string email = auth::normalize_email(flags["email"]);
    switch (outcome) {
      case auth::AdminOutcome::created:
        out << "created admin " << email << "\n";
        break;
      case auth::AdminOutcome::promoted:
        out << "promoted " << email << " to admin (password unchanged)\n";
        break;
      case auth::AdminOutcome::already_admin:
        out << email << " is already an admin\n";
        break;
    }
    return kExitOk;
  } catch (const Error& e) {
    for (const auto& f : e.fields())
      err << "shopd create-admin: " << f.field << " " << f.message << "\n";
    if (e.fields().empty()) err << "shopd create-admin: " << e.public_message() << "\n";
    return e.code() == ErrorCode::invalid_input ? kExitUsage : kExitFailure;
  }
}

struct DemoOptions {
  std::int64_t products = 200;
  std::int64_t orders = 0;
};

// --products N (default 200), --orders N (default 0); throws std::invalid_argument on anything
// else.
DemoOptions demo_options(const std::vector<std::string>& args) {
  DemoOptions o;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    bool products = args[i] == "--products";
    if (!products && args[i] != "--orders")
      throw std::invalid_argument("unknown option \"" + args[i] + "\"");
    if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
    const std::string& v = args[i + 1];
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    std::int64_t low = products ? 1 : 0;
    if (ec != std::errc() || end != v.data() + v.size() || n < low || n > 1'000'000)
      throw std::invalid_argument(args[i] + " must be a whole number from " + std::to_string(low) +
                                  " to 1000000");
    (products ? o.products : o.orders) = n;
  }
  return o;
}

int seed_demo(const CommandLine& cli, const Config& config, std::ostream& out, std::ostream& err) {
  DemoOptions options;
  try {
    options = demo_options(cli.args);
  } catch (const std::invalid_argument& e) {
    err << "shopd seed-demo: " << e.what() << "\n"
        << "usage: shopd seed-demo [--products N] [--orders N]\n";
    return kExitUsage;
  }
  std::int64_t count = options.products;
  auto migrated = storage::open_and_migrate(config.database_url, {.pool_size = 1});
  media::init_image_library();
  media::MediaStore media(config.media_dir);
  auto outcome =
      catalog::seed_demo_catalog(*migrated.db, media, count, epoch_ms(SystemClock().now()));
  out << "seed-demo: " << outcome.created << " products added, " << outcome.existing
      << " already there (" << count << " demo products in all; images in " << config.media_dir
      << ")\n";
  if (options.orders > 0) {
    auto placed = seed_demo_orders(*migrated.db, config.public_url, options.orders,
                                   epoch_ms(SystemClock().now()));
    out << "seed-demo: " << placed.orders_placed << " orders placed over the past 90 days by "
        << placed.customers_added << " new demo customers";
    if (placed.orders_skipped > 0) out << " (" << placed.orders_skipped << " found no stock)";
    out << "\n";
  }
  return kExitOk;
}

}  // namespace

int run_command(const CommandLine& cli, const Environment& env, std::ostream& out,
                std::ostream& err) {
  switch (cli.command) {
    case Command::help:
      out << usage_text();
      return kExitOk;
    case Command::version:
      out << "shopd 0.1.0\n";
      return kExitOk;
    case Command::seed_demo:
    case Command::serve:
    case Command::migrate:
    case Command::create_admin:
      break;
  }
  Config config;
  try {
    config = load_config(env);
  } catch (const ConfigError& e) {
    err << "shopd: " << e.what() << "\n";
    return kExitFailure;
  }
  auto logger = log::make_logger(config.log_level);
  spdlog::set_default_logger(logger);  // the storage layer's warnings share our format and stream
  try {
    if (cli.command == Command::migrate) {
      auto migrated = storage::open_and_migrate(config.database_url, {.pool_size = 1});
      for (const auto& m : migrated.applied)
        out << "applied " << storage::migration_label(m.version, m.name) << "\n";
      out << (migrated.applied.empty() ? "database is up to date" : "migrations applied")
          << " (schema version " << migrated.schema_version << ")\n";
      return kExitOk;
    }
    if (cli.command == Command::create_admin) return create_admin(cli, config, out, err);
    if (cli.command == Command::seed_demo) return seed_demo(cli, config, out, err);
    App app(config, logger);
    app.stop_on_signals();
    app.start();
    app.wait();
    return kExitOk;
  } catch (const std::exception& e) {
    logger->flush();
    err << "shopd: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace shop::app
