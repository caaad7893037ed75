#!/usr/bin/env bash
# Starts the proxy locally against a fresh Azurite: under Azure Functions Core Tools when `func` is on
# PATH, otherwise on the standalone Kestrel host. Settings come from local.settings.json (created from
# local.settings.sample.json when missing) and the environment. Ctrl+C stops the proxy and Azurite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/azurite.sh"
cd "$repo_root"

[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
start_azurite
port="${PORT:-7071}"

if command -v func >/dev/null 2>&1; then
  echo "Starting under Azure Functions Core Tools on http://localhost:$port"
  dotnet build src/Proxy.Functions -c Debug --nologo -v quiet
  cd src/Proxy.Functions/bin/Debug/net10.0
  cp "$repo_root/local.settings.json" .
  func host start --port "$port"
else
  echo "Azure Functions Core Tools (func) not found: starting the standalone host on http://127.0.0.1:$port"
  dotnet build src/Proxy.Standalone -c Release --nologo -v quiet
  # Run from the repository root, where local.settings.json is.
  dotnet src/Proxy.Standalone/bin/Release/net10.0/Proxy.Standalone.dll --urls "http://127.0.0.1:$port"
fi
