#!/bin/bash
@@DIRECTIVES@@
# Work Queue worker(s) for a manager published on the head node by `tunnel up workqueue`.
# Rendered by `tunnel worker workqueue @@NAME@@`. Each worker slot, on this compute node:
#   1. picks a free local port (several workers per node never share one),
#   2. opens   ssh -N -L 127.0.0.1:<that port>:localhost:@@HEAD_PORT@@ <head node>
#      and waits until ssh reports the forward is up,
#   3. runs    work_queue_worker localhost <that port>
#   4. when the forward drops (head node sshd restarted, network hiccup), pauses the worker
#      (SIGSTOP: while nothing of ours listens on the port, it must not connect to whatever
#      else may bind it), reopens the forward on the SAME port with backoff for up to
#      @@FORWARD_GIVE_UP@@ s, then resumes the worker, which reconnects to its manager by itself
#      (if another program bound the port meanwhile, that worker is killed and a new one starts
#      on a new port).
# It stops both, removing its files, when the worker ends, the forward cannot be restored, or
# the job is signalled (scancel sends SIGTERM; bash runs the EXIT trap on SIGTERM only because
# TERM is trapped too).

head_args=(@@HEAD_ARGS@@)
head_port=@@HEAD_PORT@@
slots=@@SLOTS@@
ssh_cmd=(ssh -N -T -v -o ExitOnForwardFailure=yes -o ServerAliveInterval=@@KEEPALIVE@@ -o ServerAliveCountMax=@@KEEPALIVE_COUNT@@ -o ConnectTimeout=@@CONNECT_TIMEOUT@@ -o BatchMode=yes @@SSH_EXTRA@@)
# The worker's own reconnect: retry every 1..@@WORKER_MAX_BACKOFF@@ s (its default backoff grows
# to 60 s), and keep trying for its usual 900 s plus the time a paused worker may wait for its
# forward (its clock runs while paused). Your --worker-arg values come last, so they win.
# Its workspace goes in the slot's own directory (--workdir), so it is removed even when the
# worker has to be killed outright.
worker_prog=(@@WORKER@@)
worker_args=(--connect-timeout=@@WORKER_CONNECT_TIMEOUT@@ --min-backoff=1 --max-backoff=@@WORKER_MAX_BACKOFF@@ @@WORKER_ARGS@@)
forward_timeout=@@FORWARD_TIMEOUT@@
give_up=@@FORWARD_GIVE_UP@@

log() { printf '%s tunnel-worker %s[%s]: %s\n' "$(date +%H:%M:%S)" @@NAME_QUOTED@@ "$1" "$2" >&2; }

# @include workqueue-forward.sh

# One worker with its own forward; runs in a background subshell, so these globals are its own.
run_slot() {
  slot=$1 ssh_pid='' worker_pid='' paused='' nap_pid='' slot_dir='' port=''
  trap cleanup_slot EXIT
  trap 'leave 143' TERM
  trap 'leave 130' INT
  trap 'leave 129' HUP
  slot_dir=$(mktemp -d "${TMPDIR:-/tmp}/tnl-wq.XXXXXX") || { log "$slot" "cannot create a temporary directory"; leave 1; }
  first_forward || leave 1
  start_worker
  while :; do
    watch_worker
    # Someone bound the port while it was free: this worker never talks to them; a new one starts elsewhere.
    log "$slot" "another program took local port $port meanwhile; replacing the worker with one on a new port"
    stop_worker
    first_forward || leave 1
    start_worker
  done
}

start_worker() {
  log "$slot" "forward 127.0.0.1:$port -> localhost:$head_port on ${head_args[*]} is up; starting the worker"
  "${worker_prog[@]}" --workdir="$slot_dir" "${worker_args[@]}" localhost "$port" </dev/null &
  worker_pid=$!
}

slot_pids=()
stop_slots() {
  local pid
  trap '' TERM INT HUP
  for pid in "${slot_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${slot_pids[@]}"; do wait "$pid" 2>/dev/null; done
}
trap stop_slots EXIT
trap 'leave 143' TERM
trap 'leave 130' INT
trap 'leave 129' HUP

for s in $(seq 1 "$slots"); do
  run_slot "${SLURM_ARRAY_TASK_ID:-0}.$s" &
  slot_pids+=("$!")
done
status=0
for pid in "${slot_pids[@]}"; do wait "$pid" || status=$?; done
leave "$status"
