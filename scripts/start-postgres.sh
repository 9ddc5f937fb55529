#!/usr/bin/env bash
# Start the local PostgreSQL cluster when it is installed but not running; never fails the build.
set -u
command -v pg_lsclusters >/dev/null || exit 0
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then exit 0; fi
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
[ -n "$version" ] || exit 0
echo "starting PostgreSQL $version"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || echo "warning: could not start PostgreSQL" >&2
for _ in $(seq 1 20); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 0.5; done
echo "warning: PostgreSQL did not become ready" >&2
