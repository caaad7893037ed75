# Sourced by the other scripts: starts the repository's pinned Azurite on free loopback ports,
# in memory, and stops it when the calling script exits.
# Sets AZURITE_PID and exports AzureWebJobsStorage pointing at it.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_node_packages() {
  if [ ! -x "$repo_root/node_modules/.bin/azurite" ]; then
    echo "Installing the pinned Azurite (npm ci)..."
    (cd "$repo_root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

start_azurite() {
  ensure_node_packages
  # Not local: the EXIT trap reads it after this function has returned.
  AZURITE_LOG="$(mktemp -t azurite.XXXXXX.log)"
  # In a session of its own (setsid), so that Ctrl+C reaches the proxy but not Azurite: the proxy stops first,
  # with its storage still there, and the EXIT trap below stops Azurite after it.
  setsid "$repo_root/node_modules/.bin/azurite" --disableTelemetry --inMemoryPersistence --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort 0 --queueHost 127.0.0.1 --queuePort 0 --tableHost 127.0.0.1 --tablePort 0 \
    >"$AZURITE_LOG" 2>&1 &
  AZURITE_PID=$!
  trap 'kill "$AZURITE_PID" 2>/dev/null; wait "$AZURITE_PID" 2>/dev/null; rm -f "$AZURITE_LOG"' EXIT

  local port_of blob="" queue="" table=""
  port_of() { sed -n "s/.*Azurite $1 service is successfully listening at http:\/\/127.0.0.1:\([0-9]*\).*/\1/p" "$AZURITE_LOG"; }
  for _ in $(seq 1 600); do
    blob="$(port_of Blob)"; queue="$(port_of Queue)"; table="$(port_of Table)"
    [ -n "$blob" ] && [ -n "$queue" ] && [ -n "$table" ] && break
    kill -0 "$AZURITE_PID" 2>/dev/null || { cat "$AZURITE_LOG"; echo "Azurite exited." >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$table" ] || { cat "$AZURITE_LOG"; echo "Azurite did not start within 60 seconds." >&2; exit 1; }

  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  echo "Azurite: blob $blob, queue $queue, table $table (in memory; stopped when this script exits)"
}
