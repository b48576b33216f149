#!/usr/bin/env bash
# System packages the test suite needs besides Python's: PostgreSQL 15's server programs (tests/postgresql15.py),
# for the set-up docs/deploying.md gives PostgreSQL 13 to 15; etcd, the store the failover tests' Patroni keeps its
# leader key in (tests/ha_cluster.py); PgBouncer, the pooler desks are tested through (tests/integration/test_pgbouncer.py,
# `bench-live --pgbouncer`). Installs only what is missing (Debian, as root).
set -euo pipefail
[ -x /usr/lib/postgresql/15/bin/postgres ] && [ -x /usr/bin/etcd ] && [ -x /usr/sbin/pgbouncer ] && exit 0
if ! command -v apt-get >/dev/null; then
    echo "the tests need PostgreSQL 15's server programs in /usr/lib/postgresql/15/bin, etcd in /usr/bin and" \
        "PgBouncer in /usr/sbin" >&2
    exit 1
fi
# The tests start servers of their own: Debian need not create and start a cluster of its own.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The failover tests start etcd members of their own, on ports of their own; the PgBouncer tests theirs.
apt-get install -y -qq --no-install-recommends postgresql-15 etcd-server pgbouncer >/dev/null
