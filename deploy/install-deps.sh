#!/bin/sh
# Installs the Debian 12 packages spoke needs to build, test and run its demo.
# Only what is missing is installed. Safe to run again; prints nothing when all is there.
set -eu

PACKAGES="
build-essential pkg-config clang-format valgrind
libpq-dev libmariadb-dev unixodbc-dev librdkafka-dev libjansson-dev
libcurl4-openssl-dev libinih-dev libmicrohttpd-dev libssl-dev libsqlite3-dev
postgresql-15 postgresql-client-15 mariadb-server mariadb-client
unixodbc odbc-postgresql odbc-mariadb libsqliteodbc sqlite3
kcat jq python3 python3-jsonschema python3-prometheus-client curl procps
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Package scripts may start services on some images; spoke's harness runs its own servers.
