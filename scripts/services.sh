#!/usr/bin/env bash
# Test servers for the Redis, MongoDB and DynamoDB backend tests, all on 127.0.0.1:
#
#   redis          redis-server on UCC_REDIS_PORT (16379)
#   redis-cluster  3 redis-server masters on UCC_CLUSTER_PORTS ("30001 30002 30003"; cluster bus on port+10000)
#   mongodb        CongoDB (scripts/congodb.mjs, a MongoDB wire-protocol server) on UCC_MONGO_PORT (27117)
#   dynamodb       dynalite (in memory) on UCC_DYNAMO_PORT (18000)
#
# Usage: scripts/services.sh start|stop|status
#   start   starts the servers that are not running (idempotent) and waits until each answers;
#           prints the UCC_* environment the tests read (test/helpers/services.ts)
#   stop    stops the servers recorded in the pidfiles (SIGTERM, then SIGKILL after 5 s)
#   status  one line per server; exits non-zero when one is not up
#
# State (pidfiles, logs, data dirs) is under .ci/services/ (gitignored).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SVC_DIR=$ROOT/.ci/services
REDIS_PORT=${UCC_REDIS_PORT:-16379}
read -r -a CLUSTER_PORTS <<< "${UCC_CLUSTER_PORTS:-30001 30002 30003}"
MONGO_PORT=${UCC_MONGO_PORT:-27117}
DYNAMO_PORT=${UCC_DYNAMO_PORT:-18000}
TIMEOUT=${UCC_SERVICES_TIMEOUT:-15}   # seconds to wait for each server to answer
INSTALL_HINT='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server'

log () { echo "services: $*"; }
die () { echo "services: error: $*" >&2; exit 1; }

# pid_of PIDFILE PATTERN -> the live pid in PIDFILE whose command line contains PATTERN (so a
# recycled pid is never taken for ours), or nothing.
pid_of () {
  local pid
  [[ -s $1 ]] || return 0
  pid=$(< "$1")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"; then
    echo "$pid"
  fi
}

port_open () { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

redis_ping () { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2> /dev/null) == PONG ]]; }

cluster_ok () { redis-cli -h 127.0.0.1 -p "$1" cluster info 2> /dev/null | grep -q '^cluster_state:ok'; }

# wait_for NAME LOG PIDFILE CHECK...: wait until CHECK succeeds, failing early when the process
# from PIDFILE has exited (redis-server writes its pidfile itself once it has daemonized).
wait_for () {
  local name=$1 logfile=$2 pidfile=$3; shift 3
  local deadline=$((SECONDS + TIMEOUT))
  until "$@"; do
    if [[ -s $pidfile ]] && ! kill -0 "$(< "$pidfile")" 2> /dev/null; then
      fail_start "$name" "$logfile" "exited while starting"
    fi
    if ((SECONDS >= deadline)); then
      fail_start "$name" "$logfile" "not ready after ${TIMEOUT} s"
    fi
    sleep 0.1
  done
}

fail_start () { # fail_start NAME LOG REASON
  echo "services: error: $1 $3; its log is $2:" >&2
  tail -n 20 "$2" 2> /dev/null | sed 's/^/    /' >&2 || true
  exit 1
}

# A port must be free before a server is started on it: something else answering there would
# pass the readiness check while our server failed to bind.
need_free_port () { # need_free_port NAME PORT
  if port_open "$2"; then
    die "$1: port $2 is already in use by another process (set UCC_*_PORT to use other ports)"
  fi
}

# stop_pids PID...: SIGTERM, then SIGKILL for those still alive after 5 s.
stop_pids () {
  (($# > 0)) || return 0
  kill -TERM "$@" 2> /dev/null || true
  local deadline=$((SECONDS + 5)) pid alive
  while :; do
    alive=()
    for pid in "$@"; do
      if kill -0 "$pid" 2> /dev/null; then alive+=("$pid"); fi
    done
    ((${#alive[@]} > 0)) || return 0
    if ((SECONDS >= deadline)); then
      log "SIGKILL ${alive[*]} (still running 5 s after SIGTERM)"
      kill -KILL "${alive[@]}" 2> /dev/null || true
      return 0
    fi
    sleep 0.1
  done
}

start_redis () {
  local dir=$SVC_DIR/redis
  if [[ -n $(pid_of "$dir/redis.pid" "redis-server 127.0.0.1:$REDIS_PORT") ]]; then
    log "redis: already running (pid $(< "$dir/redis.pid"), port $REDIS_PORT)"
  else
    need_free_port redis "$REDIS_PORT"
    rm -rf "$dir" && mkdir -p "$dir"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" > /dev/null
  fi
  wait_for redis "$dir/redis.log" "$dir/redis.pid" redis_ping "$REDIS_PORT"
}

start_cluster () {
  local dir=$SVC_DIR/cluster port running=() missing=0
  for port in "${CLUSTER_PORTS[@]}"; do
    if [[ -n $(pid_of "$dir/$port/redis.pid" "redis-server 127.0.0.1:$port") ]]; then running+=("$port"); else missing=1; fi
  done
  if ((missing == 0)) && cluster_ok "${CLUSTER_PORTS[0]}"; then
    log "redis-cluster: already running (ports ${CLUSTER_PORTS[*]})"
  else
    # A partly running or unformed cluster is rebuilt from scratch.
    if ((${#running[@]} > 0)); then
      log "redis-cluster: restarting (stale nodes on ${running[*]})"
      local pids=()
      for port in "${running[@]}"; do pids+=("$(pid_of "$dir/$port/redis.pid" "redis-server 127.0.0.1:$port")"); done
      stop_pids "${pids[@]}"
    fi
    for port in "${CLUSTER_PORTS[@]}"; do
      need_free_port "redis-cluster node" "$port"
      need_free_port "redis-cluster bus" "$((port + 10000))"
    done
    rm -rf "$dir" && mkdir -p "$dir"
    local nodes=()
    for port in "${CLUSTER_PORTS[@]}"; do
      mkdir -p "$dir/$port"
      redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf \
        --cluster-node-timeout 5000 --save '' --appendonly no --daemonize yes \
        --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" --dir "$dir/$port" > /dev/null
      nodes+=("127.0.0.1:$port")
    done
    for port in "${CLUSTER_PORTS[@]}"; do
      wait_for "redis-cluster node $port" "$dir/$port/redis.log" "$dir/$port/redis.pid" redis_ping "$port"
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes > "$dir/create.log" 2>&1 ||
      fail_start redis-cluster "$dir/create.log" "could not be created (redis-cli --cluster create)"
  fi
  for port in "${CLUSTER_PORTS[@]}"; do
    wait_for "redis-cluster node $port (cluster_state:ok)" "$dir/$port/redis.log" "$dir/$port/redis.pid" cluster_ok "$port"
  done
}

# start_node NAME PORT PATTERN COMMAND...: a node server in the background, its pid in $SVC_DIR/NAME.pid.
start_node () {
  local name=$1 port=$2 pattern=$3; shift 3
  local pidfile=$SVC_DIR/$name.pid logfile=$SVC_DIR/$name.log
  if [[ -n $(pid_of "$pidfile" "$pattern") ]]; then
    log "$name: already running (pid $(< "$pidfile"), port $port)"
  else
    need_free_port "$name" "$port"
    rm -f "$pidfile" "$logfile"
    # setsid: its own session, like the daemonized redis-servers, so a signal to the process group
    # that ran this script (Ctrl-C, a CI step's timeout) does not reach it. Not a group leader as a
    # background job, setsid execs in place and $! stays the server's pid.
    (cd "$ROOT" && exec setsid "$@") < /dev/null > "$logfile" 2>&1 &
    echo $! > "$pidfile"
  fi
  wait_for "$name" "$logfile" "$pidfile" port_open "$port"
}

start () {
  if ! command -v redis-server > /dev/null || ! command -v redis-cli > /dev/null; then
    die "redis-server is not installed; install it with: $INSTALL_HINT"
  fi
  mkdir -p "$SVC_DIR"
  local t0=$SECONDS
  start_redis
  start_cluster
  start_node mongodb "$MONGO_PORT" scripts/congodb.mjs env MONGO_PORT="$MONGO_PORT" node scripts/congodb.mjs
  start_node dynamodb "$DYNAMO_PORT" dynalite node node_modules/dynalite/cli.js --host 127.0.0.1 \
    --port "$DYNAMO_PORT" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
  log "all up in $((SECONDS - t0)) s (state in ${SVC_DIR#"$ROOT"/}); the tests read:"
  local urls=() port
  for port in "${CLUSTER_PORTS[@]}"; do urls+=("redis://127.0.0.1:$port"); done
  echo "export UCC_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "export UCC_REDIS_CLUSTER=$(IFS=,; echo "${urls[*]}")"
  echo "export UCC_MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT"
  echo "export UCC_DYNAMO_URL=http://127.0.0.1:$DYNAMO_PORT"
}

stop () {
  local pids=() names=() pid port
  pid=$(pid_of "$SVC_DIR/redis/redis.pid" "redis-server 127.0.0.1:$REDIS_PORT")
  if [[ -n $pid ]]; then pids+=("$pid"); names+=(redis); fi
  for port in "${CLUSTER_PORTS[@]}"; do
    pid=$(pid_of "$SVC_DIR/cluster/$port/redis.pid" "redis-server 127.0.0.1:$port")
    if [[ -n $pid ]]; then pids+=("$pid"); names+=("redis-cluster:$port"); fi
  done
  pid=$(pid_of "$SVC_DIR/mongodb.pid" scripts/congodb.mjs)
  if [[ -n $pid ]]; then pids+=("$pid"); names+=(mongodb); fi
  pid=$(pid_of "$SVC_DIR/dynamodb.pid" dynalite)
  if [[ -n $pid ]]; then pids+=("$pid"); names+=(dynamodb); fi
  if ((${#pids[@]} == 0)); then
    log "nothing running"
  else
    log "stopping ${names[*]} (pids ${pids[*]})"
    stop_pids "${pids[@]}"
  fi
  rm -f "$SVC_DIR/redis/redis.pid" "$SVC_DIR/mongodb.pid" "$SVC_DIR/dynamodb.pid"
  for port in "${CLUSTER_PORTS[@]}"; do rm -f "$SVC_DIR/cluster/$port/redis.pid"; done
}

# status_line NAME PORT PIDFILE PATTERN CHECK...: up (running and answering), not answering, or down.
status_line () {
  local name=$1 port=$2 pidfile=$3 pattern=$4; shift 4
  local pid state
  pid=$(pid_of "$pidfile" "$pattern")
  if [[ -z $pid ]]; then state=down
  elif "$@"; then state=up
  else state="not answering"
  fi
  printf '%-20s %-14s port %-6s pid %s\n' "$name" "$state" "$port" "${pid:--}"
  [[ $state == up ]]
}

status () {
  local rc=0 port
  if ! command -v redis-cli > /dev/null; then
    echo "redis-server is not installed (install it with: $INSTALL_HINT)"
    rc=1
  fi
  status_line redis "$REDIS_PORT" "$SVC_DIR/redis/redis.pid" "redis-server 127.0.0.1:$REDIS_PORT" redis_ping "$REDIS_PORT" || rc=1
  for port in "${CLUSTER_PORTS[@]}"; do
    status_line "redis-cluster:$port" "$port" "$SVC_DIR/cluster/$port/redis.pid" "redis-server 127.0.0.1:$port" cluster_ok "$port" || rc=1
  done
  status_line mongodb "$MONGO_PORT" "$SVC_DIR/mongodb.pid" scripts/congodb.mjs port_open "$MONGO_PORT" || rc=1
  status_line dynamodb "$DYNAMO_PORT" "$SVC_DIR/dynamodb.pid" dynalite port_open "$DYNAMO_PORT" || rc=1
  return "$rc"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
