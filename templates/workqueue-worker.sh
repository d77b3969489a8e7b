#!/bin/bash
@@DIRECTIVES@@
# Work Queue worker(s) for a manager published on the head node by `tunnel up workqueue`.
# Rendered by `tunnel worker workqueue @@NAME@@`. Each worker, on this compute node:
#   1. picks a free local port (several workers per node never share one),
#   2. opens   ssh -N -L 127.0.0.1:<that port>:localhost:@@HEAD_PORT@@ <head node>
#      and waits until ssh reports the forward is up,
#   3. runs    work_queue_worker localhost <that port>
# and stops both, removing its files, when either ends or the job is signalled
# (scancel sends SIGTERM; bash runs the EXIT trap on SIGTERM only because TERM is trapped too).

head_args=(@@HEAD_ARGS@@)
head_port=@@HEAD_PORT@@
slots=@@SLOTS@@
ssh_cmd=(ssh -N -T -v -o ExitOnForwardFailure=yes -o ServerAliveInterval=@@KEEPALIVE@@ -o ServerAliveCountMax=@@KEEPALIVE_COUNT@@ -o ConnectTimeout=@@CONNECT_TIMEOUT@@ -o BatchMode=yes @@SSH_EXTRA@@)
worker_cmd=(@@WORKER@@)
forward_timeout=@@FORWARD_TIMEOUT@@

log() { printf '%s tunnel-worker %s[%s]: %s\n' "$(date +%H:%M:%S)" @@NAME_QUOTED@@ "$1" "$2" >&2; }

# A port nothing on this node accepts connections on. Another worker may still bind it
# first; run_slot then sees "Address already in use" from ssh and picks again.
pick_port() {
  local p i
  for i in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# True once ssh (run with -v) has opened its session: by then its -L listener is bound.
wait_forward() {
  local i
  for i in $(seq 1 $(( forward_timeout * 10 ))); do
    kill -0 "$1" 2>/dev/null || return 1
    grep -q '^debug1: Entering interactive session' "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

stop_child() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
  return 0
}

cleanup_slot() {
  stop_child "$worker_pid"
  stop_child "$ssh_pid"
  [ -n "$slot_dir" ] && rm -rf -- "$slot_dir"
}

# One worker with its own forward; runs in a background subshell, so these globals are its own.
run_slot() {
  slot=$1 ssh_pid='' worker_pid='' slot_dir=''
  trap cleanup_slot EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
  slot_dir=$(mktemp -d "${TMPDIR:-/tmp}/tnl-wq.XXXXXX") || { log "$slot" "cannot create a temporary directory"; exit 1; }
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(pick_port) || { log "$slot" "found no free local port"; exit 1; }
    "${ssh_cmd[@]}" -L "127.0.0.1:$port:localhost:$head_port" "${head_args[@]}" </dev/null 2>"$slot_dir/ssh.log" &
    ssh_pid=$!
    wait_forward "$ssh_pid" "$slot_dir/ssh.log" && break
    stop_child "$ssh_pid"
    ssh_pid=''
    grep -q 'Address already in use' "$slot_dir/ssh.log" && continue
    log "$slot" "ssh to ${head_args[*]} failed: $(grep -v '^debug' "$slot_dir/ssh.log" | tail -n 3)"
    exit 1
  done
  [ -n "$ssh_pid" ] || { log "$slot" "every local port tried was taken"; exit 1; }
  log "$slot" "forward 127.0.0.1:$port -> localhost:$head_port on ${head_args[*]} is up; starting the worker"
  "${worker_cmd[@]}" localhost "$port" </dev/null &
  worker_pid=$!
  # Whichever ends first (the worker, or ssh taking the forward with it) ends the slot.
  wait -n
  local status=$?
  if kill -0 "$worker_pid" 2>/dev/null; then
    log "$slot" "the ssh forward ended ($(grep -v '^debug' "$slot_dir/ssh.log" | tail -n 1)); stopping the worker"
    exit 1
  fi
  worker_pid=''
  exit "$status"
}

slot_pids=()
stop_slots() {
  local pid
  for pid in "${slot_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${slot_pids[@]}"; do wait "$pid" 2>/dev/null; done
}
trap stop_slots EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

for s in $(seq 1 "$slots"); do
  run_slot "${SLURM_ARRAY_TASK_ID:-0}.$s" &
  slot_pids+=("$!")
done
status=0
for pid in "${slot_pids[@]}"; do wait "$pid" || status=$?; done
exit "$status"
