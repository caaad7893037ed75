#!/usr/bin/env bash
# Starts the proxy locally against a fresh Azurite: under the Functions host when `func` is on PATH
# (Azure Functions Core Tools, or another launcher of the host; it says which), otherwise on the
# standalone Kestrel host. Settings come from local.settings.json (created from
# local.settings.sample.json when missing) and the environment. Ctrl+C stops the proxy and Azurite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
start_azurite
port="${PORT:-7071}"

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
