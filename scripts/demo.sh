#!/usr/bin/env bash
# Demo on this machine, loopback only: a route, a web server at "home" served
# by vnet "home" as serveid 700, and vnet "office" using it on a local port.
#
#   ./scripts/demo.sh          build, start everything, stay up until Ctrl-C
#   ./scripts/demo.sh --once   build, check the page comes through, exit
#                              (also the behaviour when stdin is not a terminal)
#
# No fixed ports (the OS picks them), everything lives in a temp dir that is
# removed on exit, together with every process started here.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
once=0
for arg in "$@"; do
  case "$arg" in
    --once) once=1 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done
[[ -t 0 ]] || once=1

# The test suite runs this script against binaries it has just built.
if [[ -z ${VNET_BIN_DIR:-} ]]; then
  "$root/scripts/build.sh"
fi
bin=$(cd "${VNET_BIN_DIR:-$root/build/src}" && pwd)
python=${PYTHON:-python3}

work=$(mktemp -d "${TMPDIR:-/tmp}/vnet-demo.XXXXXX")
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Give them up to 3 s to exit cleanly, then force.
  for _ in $(seq 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "stopping ..."; exit 0' INT TERM

show_logs() {
  for f in "$work"/*.log; do
    echo "----- $(basename "$f") -----" >&2
    cat "$f" >&2
  done
}

fail() {
  echo "demo: $*" >&2
  show_logs
  exit 1
}

# wait_log FILE REGEX SECONDS PID: prints the first match once it appears.
wait_log() {
  local file=$1 regex=$2 limit=$3 pid=$4 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if grep -Eo "$regex" "$file" 2>/dev/null | head -n1 | grep .; then return 0; fi
    kill -0 "$pid" 2>/dev/null || fail "$(basename "$file" .log) exited early"
    sleep 0.1
  done
  fail "no /$regex/ in $(basename "$file") after ${limit} s"
}

# A free port, below the ephemeral range when possible so that no outgoing
# connection grabs it before vnet "office" listens on it.
free_port() {
  "$python" - <<'EOF'
import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except Exception:
    low = 0
candidates = [random.randrange(10000, low) for _ in range(50)] if low > 12000 else []
for port in candidates + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
EOF
}

# 1. the route, on a port the OS picks
cat > "$work/route.ini" <<EOF
[route]
ip=127.0.0.1
port=0
EOF
(cd "$work" && exec "$bin/route" route.ini) > "$work/route.log" 2>&1 &
pids+=($!)
route_port=$(wait_log "$work/route.log" 'route listening on 127\.0\.0\.1:[0-9]+' 10 "${pids[-1]}")
route_port=${route_port##*:}

# 2. the real service: a small web site
mkdir -p "$work/www"
page_line="Hello from home, through the vnet tunnel!"
cat > "$work/www/index.html" <<EOF
<!doctype html>
<title>vnet demo</title>
<p>$page_line</p>
EOF
"$python" -u -m http.server --bind 127.0.0.1 --directory "$work/www" 0 > "$work/http.log" 2>&1 &
pids+=($!)
http_port=$(wait_log "$work/http.log" 'port [0-9]+' 10 "${pids[-1]}")
http_port=${http_port##* }

# 3. vnet "home" serves it as serveid 700; vnet "office" uses it on use_port
use_port=$(free_port)
cat > "$work/home.ini" <<EOF
[route]
ip=127.0.0.1
port=$route_port

[vnet]
name=home
group=demo
terminal=false

[serve.web]
serveid=700
ip=127.0.0.1
port=$http_port
name=web
info=demo web site
EOF
cat > "$work/office.ini" <<EOF
[route]
ip=127.0.0.1
port=$route_port

[vnet]
name=office
group=demo
terminal=false

[use.web]
serveid=700
ip=127.0.0.1
port=$use_port
EOF
(cd "$work" && exec "$bin/vnet" home.ini) > "$work/home.log" 2>&1 &
pids+=($!)
(cd "$work" && exec "$bin/vnet" office.ini) > "$work/office.log" 2>&1 &
pids+=($!)

# 4. wait until the page comes through the tunnel
fetch() {
  "$python" - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2) as r:
        sys.stdout.write(r.read().decode("utf-8", "replace"))
except Exception:
    sys.exit(1)
EOF
}
deadline=$((SECONDS + 20))
page=""
until page=$(fetch "$use_port") && grep -qF "$page_line" <<<"$page"; do
  ((SECONDS < deadline)) || fail "the page did not come through 127.0.0.1:$use_port within 20 s"
  sleep 0.2
done

cat <<EOF

vnet demo is up (all on 127.0.0.1, files in $work):
  route            listening on 127.0.0.1:$route_port
  web server       127.0.0.1:$http_port, python3 -m http.server (the service)
  vnet "home"      serves 127.0.0.1:$http_port as serveid 700   (group demo)
  vnet "office"    uses serveid 700 on 127.0.0.1:$use_port
  path: client -> office:$use_port -> route:$route_port -> home -> web:$http_port

Fetched through the tunnel:  "$page_line"
EOF

if ((once)); then
  echo "demo OK (--once): stopping."
  exit 0
fi
cat <<EOF

Try it, from another terminal:
  curl http://127.0.0.1:$use_port/

The daemons' logs (removed when the demo stops):
  route            $work/route.log
  vnet "home"      $work/home.log
  vnet "office"    $work/office.log
  web server       $work/http.log
  e.g.  tail -f $work/office.log

Press Ctrl-C to stop the demo.
EOF
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || fail "a process exited unexpectedly (pid $pid)"
  done
  sleep 1
done
