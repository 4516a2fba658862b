#!/usr/bin/env bash
# The Python client check (a CI step of .ci/run): generates Python stubs from
# proto/ with Debian's protoc + grpc_python_plugin and runs a whole financing
# (clients/python/run_financing.py) against a real orderpool server with an
# auth file, the Python script serving the lender gateway and the notifier.
# Installs the Debian packages it needs when they are missing (apt-get, as
# root or through sudo). Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3 # Debian's: the grpc and protobuf modules are installed for it
PKGS=(python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc libprotobuf-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "python-client-check: installing ${missing[*]}"
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/orderpool-pycheck.XXXXXX")
server_pid=''
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
gw_port=$(free_port)
merchant="PY-M-$$"
lender=PY-L1

# One principal with every role the financing needs, so the client sends a bearer token.
token=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
printf '{"principals": [{"name": "python-client", "token_sha256": "%s", "roles": ["admin", "platform", "merchant:%s", "lender:%s"]}]}\n' \
  "$sha" "$merchant" "$lender" > "$tmp/auth.json"

node --require tsx/cjs src/main.ts --listen "127.0.0.1:$port" --data-dir "$tmp/data" \
  --notifier "127.0.0.1:$gw_port" --auth-file "$tmp/auth.json" --log-level warn > "$tmp/server.log" 2>&1 &
server_pid=$!
# Wait for the port (fail fast if the server died).
for _ in $(seq 200); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "python-client-check: FAILED: the server exited; its log:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

rc=0
"$PY" clients/python/run_financing.py --target "127.0.0.1:$port" --gateway-listen "127.0.0.1:$gw_port" \
  --token "$token" --merchant-id "$merchant" --lender-id "$lender" --gen-dir "$tmp/gen" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "python-client-check: FAILED (exit $rc); server log:" >&2
  tail -n 40 "$tmp/server.log" >&2 || true
fi
exit "$rc"
