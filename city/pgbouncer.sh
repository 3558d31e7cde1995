#!/usr/bin/env bash
# pgbouncer (Debian's package) in front of the local PostgreSQL, in session mode: psycopg keeps
# prepared statements per server session, which a transaction-mode pool would mix up.
set -euo pipefail
dir=var/city
mkdir -p "$dir"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
scf_city = host=127.0.0.1 port=5432 dbname=scf_city user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6442
unix_socket_dir =
auth_type = trust
auth_file = $PWD/$dir/pgbouncer.users
pool_mode = session
max_client_conn = 400
default_pool_size = 40
ignore_startup_parameters = extra_float_digits,options
INI
echo '"postgres" ""' >"$dir/pgbouncer.users"
chmod a+r "$dir/pgbouncer.ini" "$dir/pgbouncer.users"
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
# pgbouncer refuses to run as root: it drops to the postgres user when started as root.
if [ "$(id -u)" = 0 ]; then exec "$bin" -u postgres "$dir/pgbouncer.ini"; fi
exec "$bin" "$dir/pgbouncer.ini"
