# Sourced by the other scripts. ensure_node_packages installs the repository's pinned Azurite; start_azurite runs it
# on its standard loopback ports (blob 10000, queue 10001, table 10002) with its data on disk, so that
# UseDevelopmentStorage=true reaches it from any process (the proxy, proxy-cli, Azure Storage Explorer) and a second
# start sees the same keys, counters and records; it stops Azurite, by its pid, when the calling script exits.
# AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT and AZURITE_TABLE_PORT move it to other ports (a second checkout, a test); the
# proxy is then given the development account's connection string with those ports.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Git-ignored, kept across starts; AZURITE_LOCATION puts it elsewhere (the tests use a temporary folder).
azurite_location="${AZURITE_LOCATION:-$repo_root/.azurite}"
azurite_blob_port="${AZURITE_BLOB_PORT:-10000}"
azurite_queue_port="${AZURITE_QUEUE_PORT:-10001}"
azurite_table_port="${AZURITE_TABLE_PORT:-10002}"

# Stops the calling script, naming the setting, unless its value is a port number (1 to 65535).
require_port() {
  local name="$1" value="$2"
  if ! [[ "$value" =~ ^[0-9]{1,5}$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
    echo "$name must be a port number from 1 to 65535." >&2
    exit 1
  fi
}

ensure_node_packages() {
  if [ ! -x "$repo_root/node_modules/.bin/azurite" ]; then
    echo "Installing the pinned Azurite (npm ci)..."
    (cd "$repo_root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The Server header of whatever answers HTTP on a loopback port, empty if nothing does within 2 seconds.
server_on_port() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3 && cat <&3' _ "$1" 2>/dev/null \
    | tr -d '\r' | sed -n 's/^[Ss]erver: *//p' | head -n 1 || true
}

# Fails, naming the port, when one of Azurite's standard ports is taken: an Azurite started elsewhere keeps its data
# in its own folder, so using it silently would hide this repository's keys and records.
check_azurite_ports_free() {
  local port service server
  require_port AZURITE_BLOB_PORT "$azurite_blob_port"
  require_port AZURITE_QUEUE_PORT "$azurite_queue_port"
  require_port AZURITE_TABLE_PORT "$azurite_table_port"
  for entry in "$azurite_blob_port blob" "$azurite_queue_port queue" "$azurite_table_port table"; do
    read -r port service <<<"$entry"
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || continue
    server="$(server_on_port "$port")"
    if [[ "$server" == Azurite* ]]; then
      echo "Port $port (Azurite's $service port) on 127.0.0.1 is taken by an Azurite already running ($server), not started by this script." >&2
      if [ "$azurite_blob_port $azurite_queue_port $azurite_table_port" = "10000 10001 10002" ]; then
        echo "Stop it, or use it as it is (its data, not $azurite_location): AzureWebJobsStorage=UseDevelopmentStorage=true $0" >&2
      else
        echo "Stop it, or use it as it is (its data, not $azurite_location): AzureWebJobsStorage=<its connection string> $0" >&2
      fi
    else
      echo "Port $port (Azurite's $service port) on 127.0.0.1 is in use by another program${server:+ ($server)}." >&2
      echo "Free it, or give the proxy other storage: AzureWebJobsStorage=<connection string> $0" >&2
    fi
    exit 1
  done
}

stop_azurite() {
  [ -n "${AZURITE_PID:-}" ] || return 0
  # SIGINT: Azurite closes its servers and saves its data before it exits; SIGKILL only if it has not within 10 s.
  kill -INT "$AZURITE_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$AZURITE_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$AZURITE_PID" 2>/dev/null || true
  wait "$AZURITE_PID" 2>/dev/null || true
  rm -f "$AZURITE_LOG"
}

start_azurite() {
  ensure_node_packages
  check_azurite_ports_free
  mkdir -p "$azurite_location"
  # Not local: the EXIT trap reads them after this function has returned.
  AZURITE_LOG="$(mktemp -t azurite.XXXXXX.log)"
  # In a session of its own (setsid), so that Ctrl+C reaches the proxy but not Azurite: the proxy stops first,
  # with its storage still there, and the EXIT trap stops Azurite after it.
  setsid "$repo_root/node_modules/.bin/azurite" --disableTelemetry --skipApiVersionCheck --loose --location "$azurite_location" \
    --blobHost 127.0.0.1 --blobPort "$azurite_blob_port" --queueHost 127.0.0.1 --queuePort "$azurite_queue_port" \
    --tableHost 127.0.0.1 --tablePort "$azurite_table_port" \
    >"$AZURITE_LOG" 2>&1 &
  AZURITE_PID=$!
  trap stop_azurite EXIT

  local listening
  for _ in $(seq 1 600); do
    listening="$(grep -c 'service is successfully listening' "$AZURITE_LOG" || true)"
    [ "$listening" -ge 3 ] && break
    kill -0 "$AZURITE_PID" 2>/dev/null || { cat "$AZURITE_LOG"; echo "Azurite exited." >&2; exit 1; }
    sleep 0.1
  done
  [ "$listening" -ge 3 ] || { cat "$AZURITE_LOG"; echo "Azurite did not start within 60 seconds." >&2; exit 1; }

  if [ "$azurite_blob_port $azurite_queue_port $azurite_table_port" = "10000 10001 10002" ]; then
    export AzureWebJobsStorage="UseDevelopmentStorage=true"
  else
    # Azurite's development account (its documented, public key) at the ports given: UseDevelopmentStorage=true names the
    # standard ports only.
    local endpoint="http://127.0.0.1"
    export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=$endpoint:$azurite_blob_port/devstoreaccount1;QueueEndpoint=$endpoint:$azurite_queue_port/devstoreaccount1;TableEndpoint=$endpoint:$azurite_table_port/devstoreaccount1;"
  fi
  echo "Azurite (pid $AZURITE_PID): blob $azurite_blob_port, queue $azurite_queue_port, table $azurite_table_port on 127.0.0.1; stopped when this script exits."
  echo "Azurite's data: $azurite_location (kept across starts; to start empty, stop this script and delete that folder)."
}
