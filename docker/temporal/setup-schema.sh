#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases. Safe on every `docker compose up`:
# setup-schema skips a database already past version 0.0 and update-schema applies only newer versions.
# Connection settings come from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD.
set -eu

SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

setup_database() {
  database=$1
  schema_dir=$2
  # `create` fails when the database exists, as it does on every run after the first; a real
  # failure (no server, bad credentials) makes setup-schema fail right after it.
  temporal-sql-tool --db "$database" create || echo "database $database already exists"
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$schema_dir"
}

setup_database "$TEMPORAL_DBNAME" "$SCHEMA_ROOT/temporal/versioned"
setup_database "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
