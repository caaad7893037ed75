#!/usr/bin/env bash
# Starts the proxy locally: under the Functions host when `func` is on PATH (Azure Functions Core Tools, or another
# launcher of the host; it says which), otherwise on the standalone Kestrel host. Storage is AzureWebJobsStorage from
# the environment when set (then no Azurite is started), else an Azurite on its standard ports with its data kept in
# the repository's git-ignored .azurite/ (AZURITE_LOCATION moves it). Other settings come from local.settings.json
# (created from local.settings.sample.json when missing) and the environment. Ctrl+C (or SIGTERM) stops the proxy and
# Azurite, exit 0. If the Azurite it started exits while the proxy runs, the script says so on stderr, stops the proxy
# and exits 1.
set -euo pipefail

case "${1:-}" in
  -h | --help)
    cat <<'USAGE'
Usage: scripts/start-local.sh

Starts Azurite (ports 10000-10002, data in .azurite/) and the proxy on http://127.0.0.1:$PORT (default 7071).
  PORT                 the proxy's port
  AzureWebJobsStorage  use this storage account instead; no Azurite is started
  AZURITE_LOCATION     where Azurite keeps its data (default: .azurite/ in the repository)
  AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT
                       Azurite's ports (default 10000, 10001, 10002)
Settings: local.settings.json, overridden by the environment. Ctrl+C stops everything.
Should Azurite exit while the proxy runs, the proxy is stopped too and the script exits 1.
USAGE
    exit 0
    ;;
  "") ;;
  *)
    echo "Unknown argument '$1'; see scripts/start-local.sh --help" >&2
    exit 2
    ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"
port="${PORT:-7071}"
require_port PORT "$port"

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
if [ -n "${AzureWebJobsStorage:-}" ]; then
  # Never printed: it may hold an account key.
  echo "Storage: AzureWebJobsStorage from the environment (not shown); no Azurite started."
else
  start_azurite
  if [ "$AzureWebJobsStorage" = "UseDevelopmentStorage=true" ]; then
    echo "Storage: AzureWebJobsStorage=UseDevelopmentStorage=true (for proxy-cli and Azure Storage Explorer too)."
  else
    echo "Storage: Azurite's development account on the ports above (for proxy-cli: its connection string with those endpoints)."
  fi
fi

if func_path="$(command -v func)"; then
  # Core Tools, or another launcher of the Functions host: say which, since they differ.
  echo "Starting under the Functions host with $func_path ($(func --version 2>/dev/null | head -n 1)) on http://localhost:$port"
  # func builds the app in Release (its build output carries the root local.settings.json) and runs it there.
  (cd src/Proxy.Functions && exec func start --port "$port") &
else
  echo "No func on PATH: starting the standalone host on http://127.0.0.1:$port"
  dotnet build src/Proxy.Standalone -c Release --nologo -v quiet
  # Run from the repository root, where local.settings.json is.
  dotnet src/Proxy.Standalone/bin/Release/net10.0/Proxy.Standalone.dll --urls "http://127.0.0.1:$port" &
fi
proxy_pid=$!
echo "Proxy (pid $proxy_pid); Ctrl+C stops it, then Azurite."

# The proxy runs in the background so that this script can wait for it and for Azurite at once. bash starts a
# background command with SIGINT ignored, so Ctrl+C (or SIGTERM to this script) reaches the proxy as SIGTERM, which
# both hosts take as a graceful stop (exit 0), as they take Ctrl+C.
stop_proxy() {
  [ -n "${proxy_pid:-}" ] || return 0
  kill -TERM "$proxy_pid" 2>/dev/null || true
}
trap stop_proxy INT TERM
# Whatever else ends this script (an error, a signal it does not trap) stops the proxy before Azurite.
trap 'stop_proxy; wait_for_proxy; stop_azurite' EXIT

# Waits for the proxy to exit, killing it (SIGKILL) if it has not 30 seconds after it was asked to stop.
wait_for_proxy() {
  [ -n "${proxy_pid:-}" ] || return 0
  local deadline=$((SECONDS + 30))
  # A trapped signal interrupts `wait`, which is then called again.
  while kill -0 "$proxy_pid" 2>/dev/null && ((SECONDS < deadline)); do
    wait "$proxy_pid" 2>/dev/null || true
  done
  if kill -0 "$proxy_pid" 2>/dev/null; then
    echo "The proxy (pid $proxy_pid) did not stop within 30 seconds: killing it." >&2
    kill -KILL "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
  fi
  proxy_pid=""
}

# Whichever of the proxy and Azurite ends first. With Azurite gone the proxy would admit requests uncounted (it fails
# open without storage), so the proxy is stopped with it and the script fails, rather than
# restarting Azurite behind the proxy's back (see docs/running.md, "start-local.sh and Azurite").
while :; do
  # stderr: not bash's own notice of a job killed by a signal, the line below says it.
  wait -n -p ended "$proxy_pid" ${AZURITE_PID:+"$AZURITE_PID"} 2>/dev/null && status=0 || status=$?
  # Unset when a trapped signal (Ctrl+C) interrupted the wait: the proxy is stopping; wait again.
  [ -n "${ended:-}" ] || continue
  if [ "$ended" = "$proxy_pid" ]; then
    proxy_pid=""
    exit "$status"
  fi
  azurite_pid="$AZURITE_PID"
  AZURITE_PID=""
  echo "Azurite (pid $azurite_pid) exited (code $status) while the proxy was running: stopping the proxy (pid $proxy_pid), which without storage would admit requests uncounted. Start scripts/start-local.sh again; Azurite's data in $azurite_location is kept." >&2
  # The EXIT trap stops the proxy; Azurite's log goes here, as stop_azurite no longer knows of it.
  rm -f "$AZURITE_LOG"
  exit 1
done
