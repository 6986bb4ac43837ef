#!/usr/bin/env bash
# Fuzzes a live hub with Schemathesis, driven by docs/openapi.yaml: once with the admin token
# (every answer must conform to the document) and once with a store's token (no 5xx), each
# bounded in time. Fails if either run fails or the hub is not alive and answering at the end.
# Usage: scripts/schemathesis.sh [SECONDS_PER_RUN]   (after `swift build`; needs `pip install schemathesis`)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-55}
work=$(mktemp -d /tmp/integrator-schemathesis.XXXXXX)
admin=schemathesis-admin-token-0123456789
store=schemathesis-store-token-0123456789
cat > "$work/config.yaml" <<YAML
stores:
  - id: acme
    name: Acme
    token: $store
YAML
.build/debug/integrator serve --port 0 --database "sqlite:$work/hub.sqlite" --admin-token "$admin" \
  --config "$work/config.yaml" > "$work/serve.log" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null || true; rm -rf "$work"' EXIT
port=""
for _ in $(seq 1 150); do
  port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$work/serve.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { cat "$work/serve.log"; echo "the hub did not start" >&2; exit 1; }
url="http://127.0.0.1:$port"
echo "Schemathesis against $url for ${seconds}s with the admin token, then ${seconds}s with a store's token"

# Admin: every check but positive_data_acceptance, whose 'valid' requests break rules JSON
# Schema cannot state (a store id that exists, a URL that is http, a time within 1970-9999).
st run docs/openapi.yaml --url "$url" -H "Authorization: Bearer $admin" --exclude-checks positive_data_acceptance \
  --max-time "$seconds" --workers 2 --seed 1 --no-color
# A store's token: nothing may answer 5xx.
st run docs/openapi.yaml --url "$url" -H "X-Augury-Token: $store" --checks not_a_server_error \
  --max-time "$seconds" --workers 2 --seed 2 --no-color

kill -0 $hub || { cat "$work/serve.log"; echo "the hub is no longer running" >&2; exit 1; }
curl -fsS "$url/health" >/dev/null || { echo "the hub does not answer /health" >&2; exit 1; }
echo "The hub is alive and answering after both runs."
