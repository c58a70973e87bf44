#include "app/cli.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <ostream>
#include <stdexcept>

#include "app/app.hpp"
#include "core/log.hpp"
#include "storage/migrator.hpp"
#include "storage/open_database.hpp"

namespace shop::app {

std::string usage_text() {
  return "usage: shopd [command]\n"
         "\n"
         "commands:\n"
         "  serve                                   run the HTTP server (the default)\n"
         "  migrate                                 apply pending database migrations and exit\n"
         "  create-admin --email E --password P [--name N]\n"
         "                                          create an admin, or promote a user\n"
         "  seed-demo [--products N]                fill the catalog with a demo shop\n"
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

int run_command(const CommandLine& cli, const Environment& env, std::ostream& out,
                std::ostream& err) {
  switch (cli.command) {
    case Command::help:
      out << usage_text();
      return kExitOk;
    case Command::version:
      out << "shopd 0.1.0\n";
      return kExitOk;
    case Command::create_admin:
    case Command::seed_demo:
      err << "shopd: " << (cli.command == Command::create_admin ? "create-admin" : "seed-demo")
          << " is not available yet\n";
      return kExitFailure;
    case Command::serve:
    case Command::migrate:
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
      if (config.storage == StorageBackend::postgres)
        throw std::runtime_error("the PostgreSQL backend is not available in this build yet");
      storage::DatabaseOptions options;
      options.pool_size = 1;
      auto db = storage::open_database(config.database_url, options);
      storage::Migrator migrator(*db);
      auto applied = migrator.apply();
      for (const auto& m : applied)
        out << "applied " << storage::migration_label(m.version, m.name) << "\n";
      out << (applied.empty() ? "database is up to date" : "migrations applied")
          << " (schema version " << migrator.current_version() << ")\n";
      return kExitOk;
    }
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
