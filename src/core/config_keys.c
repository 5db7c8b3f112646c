/* config_keys: the table of every configuration section and key spoke accepts. */
#include "core/config.h"

#include <limits.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define DAY_MS   (24LL * 3600 * 1000)

static const struct conf_key spoke_keys[] = {
    {"state_dir", CONF_STRING, "/var/lib/spoke", 0, 0, NULL, 0, NULL,
     "directory for checkpoints and other durable state (written atomically)"},
    {"log_level", CONF_ENUM, "info", 0, 0, "error|warn|info|debug", 0, NULL,
     "least severe level that is logged"},
    {"log_file", CONF_STRING, NULL, 0, 0, NULL, 0, NULL,
     "append log lines to this file instead of stderr; reopened on SIGHUP"},
    {"metrics_listen", CONF_STRING, "127.0.0.1:9187", 0, 0, NULL, 0, NULL,
     "IPv4 address:port of the /metrics and /health listener (spoke run, spoke metrics), or off"},
};

#define DB "postgres|mysql|odbc"

static const struct conf_key source_keys[] = {
    {"type", CONF_ENUM, NULL, 0, 0, "postgres|mysql|odbc", CONF_REQUIRED, NULL,
     "how changes are captured: postgres (logical decoding), mysql or odbc (trigger table)"},
    {"conninfo", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED | CONF_CONNSTR, "postgres",
     "libpq connection string (put the password in password_file or ${ENV})"},
    {"host", CONF_STRING, "127.0.0.1", 0, 0, NULL, 0, "mysql", "database server host"},
    {"port", CONF_INT, "3306", 1, 65535, NULL, 0, "mysql", "database server port"},
    {"socket", CONF_STRING, NULL, 0, 0, NULL, 0, "mysql", "unix socket (instead of host/port)"},
    {"user", CONF_STRING, NULL, 0, 0, NULL, 0, "mysql", "database user"},
    {"database", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED, "mysql", "database to capture"},
    {"connection", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED | CONF_CONNSTR, "odbc",
     "ODBC connection string (DSN=... or Driver={...};...)"},
    {"dialect", CONF_ENUM, "auto", 0, 0, "auto|mysql|postgresql|sqlite|sqlserver", 0, "odbc",
     "SQL dialect of the ODBC database; auto reads SQL_DBMS_NAME"},
    {"password", CONF_SECRET, NULL, 0, 0, NULL, 0, NULL,
     "database password; prefer password_file = PATH or ${ENV}"},
    {"tables", CONF_LIST, NULL, 0, 0, NULL, CONF_REQUIRED, NULL,
     "tables to capture: schema.table or schema.* (MySQL: database.table)"},
    {"topic_prefix", CONF_STRING, "{name}", 0, 0, NULL, 0, NULL,
     "topics are named PREFIX.schema.table"},
    {"publication", CONF_STRING, "spoke_{name}", 0, 0, NULL, 0, "postgres",
     "publication that lists the captured tables"},
    {"slot", CONF_STRING, "spoke_{name}", 0, 0, NULL, 0, "postgres",
     "logical replication slot (pgoutput)"},
    {"snapshot", CONF_ENUM, "initial", 0, 0, "initial|never|always", 0, NULL,
     "initial: snapshot on first start; never; always: on every start"},
    {"exclude_columns", CONF_LIST, NULL, 0, 0, NULL, 0, NULL,
     "schema.table.column entries never published"},
    {"mask_columns", CONF_LIST, NULL, 0, 0, NULL, 0, NULL,
     "schema.table.column:sha256 or :redact entries published masked"},
    {"tombstones", CONF_BOOL, "true", 0, 0, NULL, 0, NULL,
     "publish a tombstone (null value) after each delete"},
    {"transaction_topic", CONF_BOOL, "false", 0, 0, NULL, 0, NULL,
     "publish BEGIN/END records to PREFIX.transaction"},
    {"heartbeat_interval", CONF_DURATION, "0s", 0, DAY_MS, NULL, 0, NULL,
     "write a heartbeat this often so idle sources still move their position (0s: off)"},
    {"status_interval", CONF_DURATION, "10s", 100, 3600000, NULL, 0, "postgres",
     "how often the confirmed position is sent to PostgreSQL"},
    {"skip_origins", CONF_LIST, "spoke*", 0, 0, NULL, 0, "postgres",
     "replication origins whose transactions are not captured (spoke's own appliers)"},
    {"poll_interval", CONF_DURATION, "200ms", 1, 3600000, NULL, 0, "mysql|odbc",
     "how often the changelog table is polled"},
    {"batch_size", CONF_INT, "1000", 1, 1000000, NULL, 0, "mysql|odbc",
     "changelog rows read per poll"},
    {"gap_timeout", CONF_DURATION, "10m", 1000, 7 * DAY_MS, NULL, 0, "mysql|odbc",
     "how long a gap in seq is held open where the database cannot prove it empty"},
    {"changelog", CONF_STRING, "spoke_changelog", 0, 0, NULL, 0, "mysql|odbc",
     "name of the changelog table the triggers write"},
};

static const struct conf_key target_keys[] = {
    {"type", CONF_ENUM, NULL, 0, 0, "postgres|mysql|odbc|http", CONF_REQUIRED, NULL,
     "kind of target: a database (postgres, mysql, odbc) or an HTTP API"},
    {"conninfo", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED | CONF_CONNSTR, "postgres",
     "libpq connection string"},
    {"host", CONF_STRING, "127.0.0.1", 0, 0, NULL, 0, "mysql", "database server host"},
    {"port", CONF_INT, "3306", 1, 65535, NULL, 0, "mysql", "database server port"},
    {"socket", CONF_STRING, NULL, 0, 0, NULL, 0, "mysql", "unix socket (instead of host/port)"},
    {"user", CONF_STRING, NULL, 0, 0, NULL, 0, "mysql|http", "user (database, or HTTP basic)"},
    {"database", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED, "mysql", "database written to"},
    {"connection", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED | CONF_CONNSTR, "odbc",
     "ODBC connection string"},
    {"dialect", CONF_ENUM, "auto", 0, 0, "auto|mysql|postgresql|sqlite|sqlserver", 0, "odbc",
     "SQL dialect of the ODBC database; auto reads SQL_DBMS_NAME"},
    {"password", CONF_SECRET, NULL, 0, 0, NULL, 0, NULL,
     "password (database, or HTTP basic); prefer password_file or ${ENV}"},
    {"base_url", CONF_STRING, NULL, 0, 0, NULL, CONF_REQUIRED, "http",
     "URL that rule paths are relative to"},
    {"auth", CONF_ENUM, "none", 0, 0, "none|bearer|basic|oauth2", 0, "http",
     "how requests authenticate"},
    {"token", CONF_SECRET, NULL, 0, 0, NULL, 0, "http", "bearer token (token_file or ${ENV})"},
    {"token_url", CONF_STRING, NULL, 0, 0, NULL, 0, "http", "OAuth2 token endpoint"},
    {"client_id", CONF_STRING, NULL, 0, 0, NULL, 0, "http", "OAuth2 client id"},
    {"client_secret", CONF_SECRET, NULL, 0, 0, NULL, 0, "http",
     "OAuth2 client secret (client_secret_file or ${ENV})"},
    {"scope", CONF_STRING, NULL, 0, 0, NULL, 0, "http", "OAuth2 scope"},
    {"headers", CONF_LIST, NULL, 0, 0, NULL, 0, "http", "extra headers, \"Name: value\", ..."},
    {"timeout", CONF_DURATION, "30s", 100, 3600000, NULL, 0, "http", "time limit per request"},
    {"max_in_flight", CONF_INT, "8", 1, 1024, NULL, 0, "http",
     "requests in flight at once (different keys only)"},
    {"rate_limit", CONF_INT, "0", 0, 1000000, NULL, 0, "http", "requests per second (0: none)"},
    {"tls_ca_file", CONF_STRING, NULL, 0, 0, NULL, 0, "http", "CA bundle for TLS"},
    {"tls_verify", CONF_BOOL, "true", 0, 0, NULL, 0, "http", "verify the server certificate"},
};

static const struct conf_key applier_keys[] = {
    {"rules", CONF_LIST, NULL, 0, 0, NULL, CONF_REQUIRED, NULL,
     "rule files (JSON) this applier runs"},
    {"group", CONF_STRING, "spoke-{name}", 0, 0, NULL, 0, NULL, "Kafka consumer group"},
    {"batch_size", CONF_INT, "500", 1, 100000, NULL, 0, NULL,
     "changes applied per target transaction"},
    {"batch_timeout", CONF_DURATION, "200ms", 1, 600000, NULL, 0, NULL,
     "longest wait to fill a batch"},
    {"dead_letter_topic", CONF_STRING, "{name}.dlq", 0, 0, NULL, 0, NULL,
     "where changes that cannot be applied go, with the reason in headers"},
    {"on_error", CONF_ENUM, "dead_letter", 0, 0, "dead_letter|stop", 0, NULL,
     "what a change that cannot be applied does: go to the dead-letter topic, or stop"},
};

const struct conf_section_def config_sections[] = {
    {"spoke", false, false, spoke_keys, NELEM(spoke_keys), "the daemon itself"},
    {"kafka", false, true, NULL, 0,
     "librdkafka properties, passed as they are (see librdkafka's CONFIGURATION.md)"},
    {"source", true, false, source_keys, NELEM(source_keys), "a database to capture"},
    {"target", true, false, target_keys, NELEM(target_keys), "a database or API written to"},
    {"applier", true, false, applier_keys, NELEM(applier_keys),
     "consumes change topics and applies rules to targets"},
};

const size_t config_nsections = NELEM(config_sections);
