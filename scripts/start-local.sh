#!/usr/bin/env bash
# Starts the proxy locally: under the Functions host when `func` is on PATH (Azure Functions Core Tools, or another
# launcher of the host; it says which), otherwise on the standalone Kestrel host. Storage is AzureWebJobsStorage from
# the environment when set (then no Azurite is started), else an Azurite on its standard ports with its data kept in
# the repository's git-ignored .azurite/ (AZURITE_LOCATION moves it). Other settings come from local.settings.json
# (created from local.settings.sample.json when missing) and the environment. Ctrl+C stops the proxy and Azurite, exit 0.
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
  # func builds the app in Release (its build output carries the root local.settings.json) and runs it there;
  # Ctrl+C stops the host gracefully and func exits 0.
  cd src/Proxy.Functions
  func start --port "$port"
else
  echo "No func on PATH: starting the standalone host on http://127.0.0.1:$port"
  dotnet build src/Proxy.Standalone -c Release --nologo -v quiet
  # Run from the repository root, where local.settings.json is.
  dotnet src/Proxy.Standalone/bin/Release/net10.0/Proxy.Standalone.dll --urls "http://127.0.0.1:$port"
fi
