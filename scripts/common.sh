# shellcheck shell=bash
# Helpers shared by run.sh and test.sh. Source this file after `set -euo pipefail`.
#
# Every process started through start_background is recorded, and stop_started stops
# them in reverse order. Callers install the trap:
#   trap stop_started EXIT
#   trap 'exit 130' INT
#   trap 'exit 143' TERM

SENDORA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SENDORA_TOOLS_DIR="$SENDORA_ROOT/tools"
SENDORA_STATE_DIR="$SENDORA_ROOT/.sendora"
SENDORA_LOG_DIR="$SENDORA_STATE_DIR/logs"

# Azurite's fixed development account, documented by Azurite and the Azure Storage SDKs.
AZURITE_ACCOUNT="devstoreaccount1"
AZURITE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# Keep the .NET CLI from sending telemetry and printing its first-run banner.
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

STARTED_PIDS=()
STARTED_NAMES=()
STARTED_LOGS=()

log() {
  printf '[sendora] %s\n' "$*" >&2
}

fail() {
  printf '[sendora] error: %s\n' "$*" >&2
  exit 1
}

# Prints the last lines of a log file between marker lines, so that it is easy to find in CI output.
print_log_tail() {
  local file="$1" lines="${2:-40}"
  [[ -f "$file" ]] || return 0
  printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
  tail -n "$lines" "$file" >&2
  printf -- '----- end of %s -----\n' "$file" >&2
}

require_commands() {
  command -v dotnet >/dev/null || fail "dotnet not found: install the .NET 10 SDK"
  command -v node >/dev/null || fail "node not found: install Node.js 20 or later"
  command -v npm >/dev/null || fail "npm not found: install Node.js 20 or later with npm"

  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( node_major < 20 )); then
    fail "Node.js $(node --version) is too old: Sendora's tools need Node.js 20 or later"
  fi
}

# Runs `npm ci` in tools/ when node_modules is missing or older than package-lock.json.
# npm writes node_modules/.package-lock.json at the end of every install.
install_tools() {
  local installed="$SENDORA_TOOLS_DIR/node_modules/.package-lock.json"
  local lock="$SENDORA_TOOLS_DIR/package-lock.json"

  if [[ -f "$installed" && ! "$lock" -nt "$installed" ]]; then
    return 0
  fi

  log "installing tools/node_modules with npm ci"
  (cd "$SENDORA_TOOLS_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci failed in $SENDORA_TOOLS_DIR"
}

apt_is_running() {
  local name
  for name in apt apt-get dpkg unattended-upgr; do
    pgrep -x "$name" >/dev/null && return 0
  done
  return 1
}

# Waits, at most 15 minutes, until no apt-get, apt or dpkg process is running, because
# another install may hold the dpkg lock.
wait_for_apt() {
  local waited=0
  while apt_is_running; do
    if (( waited == 0 )); then
      log "waiting for another apt or dpkg process to finish"
    fi
    if (( waited >= 900 )); then
      fail "apt or dpkg is still running after ${waited}s: wait for it to finish and run again"
    fi
    sleep 5
    waited=$((waited + 5))
  done
}

# Installs Debian's PACKAGE with apt-get unless CHECK succeeds, and fails unless CHECK succeeds after it.
# CHECK is a command, usually a function, and WHAT names in messages what CHECK looks for. Needs root.
# Usage: install_debian_package PACKAGE WHAT CHECK...
install_debian_package() {
  local package="$1" what="$2"
  shift 2
  "$@" && return 0

  wait_for_apt
  "$@" && return 0
  (( EUID == 0 )) || fail "$what is missing: run 'apt-get install $package' as root"

  log "installing Debian's $package package"
  local apt_options=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  export DEBIAN_FRONTEND=noninteractive
  apt-get "${apt_options[@]}" update -qq || fail "apt-get update failed"
  apt-get "${apt_options[@]}" install -y -qq --no-install-recommends "$package" >/dev/null \
    || fail "apt-get install $package failed"
  "$@" || fail "apt-get installed $package but $what is missing"
}

# Succeeds when COMMAND is on the PATH.
# Usage: command_exists COMMAND
command_exists() {
  command -v "$1" >/dev/null
}

chromium_exists() {
  [[ -x /usr/bin/chromium ]]
}

# Installs Debian's chromium package unless /usr/bin/chromium exists. Needs root.
install_chromium() {
  install_debian_package chromium /usr/bin/chromium chromium_exists
}

port_is_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts a command in its own session so that Ctrl+C reaches only this script, which then
# stops the processes in order. Output goes to LOG.
# Usage: start_background NAME LOG COMMAND [ARGUMENTS...]
start_background() {
  local name="$1" log_file="$2"
  shift 2

  mkdir -p "$(dirname "$log_file")"
  setsid "$@" >"$log_file" 2>&1 </dev/null &

  STARTED_PIDS+=("$!")
  STARTED_NAMES+=("$name")
  STARTED_LOGS+=("$log_file")
  log "started $name (pid $!), log: ${log_file#"$SENDORA_ROOT"/}"
}

# Returns 0 while the started process with the given pid is running.
is_running() {
  kill -0 "$1" 2>/dev/null
}

# Prints the index of the first started process that has exited, and returns 1 if none has.
find_exited() {
  local i
  for i in "${!STARTED_PIDS[@]}"; do
    if ! is_running "${STARTED_PIDS[$i]}"; then
      printf '%s\n' "$i"
      return 0
    fi
  done
  return 1
}

# Stops every started process, newest first: SIGTERM to its process group, then SIGKILL
# after 30 seconds.
stop_started() {
  local i pid waited
  # A second Ctrl+C or TERM while stopping would end this loop early and leave processes behind.
  trap '' INT TERM
  for (( i = ${#STARTED_PIDS[@]} - 1; i >= 0; i-- )); do
    pid="${STARTED_PIDS[$i]}"
    is_running "$pid" || continue

    log "stopping ${STARTED_NAMES[$i]} (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while is_running "$pid" && (( waited < 300 )); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if is_running "$pid"; then
      log "${STARTED_NAMES[$i]} did not stop within 30s, killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
  STARTED_NAMES=()
  STARTED_LOGS=()
}

# Starts Azurite on 127.0.0.1 and waits, at most 60 seconds, until its table port accepts
# connections. An empty LOCATION keeps all data in memory.
# Usage: start_azurite BLOB_PORT QUEUE_PORT TABLE_PORT LOG [LOCATION]
start_azurite() {
  local blob_port="$1" queue_port="$2" table_port="$3" log_file="$4" location="${5:-}"
  local port
  for port in "$blob_port" "$queue_port" "$table_port"; do
    if port_is_open "$port"; then
      fail "port $port on 127.0.0.1 is already in use: stop the process listening there (ss -ltnp 'sport = :$port')"
    fi
  done

  local arguments=(
    --blobHost 127.0.0.1 --blobPort "$blob_port"
    --queueHost 127.0.0.1 --queuePort "$queue_port"
    --tableHost 127.0.0.1 --tablePort "$table_port"
    --skipApiVersionCheck --loose --disableProductStyleUrl --disableTelemetry
  )
  if [[ -n "$location" ]]; then
    mkdir -p "$location"
    arguments+=(--location "$location")
  else
    arguments+=(--inMemoryPersistence)
  fi

  start_background azurite "$log_file" "$SENDORA_TOOLS_DIR/node_modules/.bin/azurite" "${arguments[@]}"
  local pid="${STARTED_PIDS[-1]}" waited=0

  until port_is_open "$table_port"; do
    if ! is_running "$pid"; then
      print_log_tail "$log_file"
      fail "Azurite exited before its table port $table_port accepted connections (log: $log_file)"
    fi
    if (( waited >= 600 )); then
      print_log_tail "$log_file"
      fail "Azurite's table port $table_port did not accept connections within 60s (log: $log_file)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Prints the connection string for an Azurite started by start_azurite.
# Usage: storage_connection_string BLOB_PORT QUEUE_PORT TABLE_PORT
storage_connection_string() {
  local base="http://127.0.0.1"
  printf 'DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;' "$AZURITE_ACCOUNT" "$AZURITE_KEY"
  printf 'BlobEndpoint=%s:%s/%s;' "$base" "$1" "$AZURITE_ACCOUNT"
  printf 'QueueEndpoint=%s:%s/%s;' "$base" "$2" "$AZURITE_ACCOUNT"
  printf 'TableEndpoint=%s:%s/%s;\n' "$base" "$3" "$AZURITE_ACCOUNT"
}

# Installs Debian's redis-server package unless the redis-server command exists. Needs root.
# It only installs the program: start_redis runs a private server, never the system service.
install_redis() {
  install_debian_package redis-server "the redis-server command" command_exists redis-server
}

# Starts a private redis-server on 127.0.0.1 with its append-only file in DIRECTORY, and waits,
# at most 30 seconds, until its port accepts connections. `appendfsync always` fsyncs the file
# before Redis replies to a write. A grain write that Sendora acknowledged then survives a crash
# of the machine as well as of redis-server itself. The file is rewritten only once it has doubled
# and reached 1 GB. With the 64 MB default, steady traffic over a small dataset rewrites it every
# second or two, and each rewrite forks redis-server and writes the whole dataset again.
# Usage: start_redis PORT DIRECTORY LOG [REDIS-SERVER OPTION...]
start_redis() {
  local port="$1" directory="$2" log_file="$3"
  shift 3
  if port_is_open "$port"; then
    fail "port $port on 127.0.0.1 is already in use: stop the process listening there (ss -ltnp 'sport = :$port')"
  fi

  mkdir -p "$directory"
  # No configuration file: the arguments below are the whole configuration, so the system's
  # /etc/redis/redis.conf and its service play no part.
  start_background redis-server "$log_file" redis-server \
    --bind 127.0.0.1 --port "$port" --protected-mode yes --daemonize no \
    --dir "$directory" --appendonly yes --appendfsync always --save '' \
    --auto-aof-rewrite-min-size 1gb "$@"
  local pid="${STARTED_PIDS[-1]}" waited=0

  until port_is_open "$port"; do
    if ! is_running "$pid"; then
      print_log_tail "$log_file"
      fail "redis-server exited before port $port accepted connections (log: $log_file)"
    fi
    if (( waited >= 300 )); then
      print_log_tail "$log_file"
      fail "redis-server's port $port did not accept connections within 30s (log: $log_file)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Prints the bin folder of the newest PostgreSQL under /usr/lib/postgresql, or nothing when none is installed.
postgresql_bin_dir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$dir" && -x "$dir/postgres" ]] && printf '%s\n' "$dir"
  return 0
}

postgresql_exists() {
  [[ -n "$(postgresql_bin_dir)" ]]
}

# Installs Debian's postgresql package unless a PostgreSQL server is under /usr/lib/postgresql. Needs root.
install_postgresql() {
  install_debian_package postgresql "/usr/lib/postgresql/*/bin/postgres" postgresql_exists
}

# Starts a private PostgreSQL cluster on 127.0.0.1 with its data and socket in DIRECTORY, creating the cluster with
# initdb on first use, and waits, at most 60 seconds, until it accepts connections. The cluster trusts every local
# connection and has the superuser `sendora`. PostgreSQL refuses to run as root, so under root the server runs as
# the `postgres` user, which then owns DIRECTORY.
# Usage: start_postgresql PORT DIRECTORY LOG
start_postgresql() {
  local port="$1" data_dir="$2" log_file="$3"
  local bin run_as=()
  bin="$(postgresql_bin_dir)"
  [[ -n "$bin" ]] || fail "PostgreSQL is missing: call install_postgresql first"
  if port_is_open "$port"; then
    fail "port $port on 127.0.0.1 is already in use: stop the process listening there (ss -ltnp 'sport = :$port')"
  fi

  mkdir -p "$data_dir" "$(dirname "$log_file")"
  if (( EUID == 0 )); then
    id postgres >/dev/null 2>&1 || fail "the postgres user is missing: reinstall Debian's postgresql package"
    chown postgres: "$data_dir"
    chmod 700 "$data_dir"
    run_as=(runuser -u postgres --)
  fi

  if [[ ! -f "$data_dir/PG_VERSION" ]]; then
    "${run_as[@]}" "$bin/initdb" -D "$data_dir" -U sendora --auth=trust -E UTF8 --no-instructions >"$log_file" 2>&1 \
      || { print_log_tail "$log_file"; fail "initdb failed in $data_dir (log: $log_file)"; }
  fi

  # fsync is off because the cluster holds only data that a run can create again.
  start_background postgresql "$log_file" "${run_as[@]}" "$bin/postgres" -D "$data_dir" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$data_dir" -c fsync=off
  local pid="${STARTED_PIDS[-1]}" waited=0
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    if ! is_running "$pid"; then
      print_log_tail "$log_file"
      fail "PostgreSQL exited before it accepted connections on port $port (log: $log_file)"
    fi
    if (( waited >= 600 )); then
      print_log_tail "$log_file"
      fail "PostgreSQL did not accept connections on port $port within 60s (log: $log_file)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Prints the Npgsql connection string of a cluster started by start_postgresql.
# Usage: postgresql_connection_string PORT
postgresql_connection_string() {
  printf 'Host=127.0.0.1;Port=%s;Username=sendora;Database=postgres\n' "$1"
}
