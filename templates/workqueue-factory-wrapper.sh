#!/bin/bash
# The --wrapper of work_queue_factory, written by `tunnel worker workqueue @@NAME@@ --factory`.
# The factory (on the head node) runs each Slurm worker job as
#   THIS_FILE ./work_queue_worker [options] localhost @@HEAD_PORT@@ [options]
# where localhost:@@HEAD_PORT@@ is the manager's forward on the head node, which a compute node
# cannot reach. So, on the compute node, this wrapper:
#   1. picks a free local port (several workers on one node never share one),
#   2. opens   ssh -N -L 127.0.0.1:<that port>:localhost:@@HEAD_PORT@@ <head node>
#      and waits until ssh reports the forward is up,
#   3. runs the worker command with `localhost @@HEAD_PORT@@` replaced by `localhost <that port>`,
# and stops both, removing its files, when either ends or the job is signalled (scancel sends
# SIGTERM; bash runs the EXIT trap on SIGTERM only because TERM is trapped too).

head_args=(@@HEAD_ARGS@@)
head_port=@@HEAD_PORT@@
ssh_cmd=(ssh -N -T -v -o ExitOnForwardFailure=yes -o ServerAliveInterval=@@KEEPALIVE@@ -o ServerAliveCountMax=@@KEEPALIVE_COUNT@@ -o ConnectTimeout=@@CONNECT_TIMEOUT@@ -o BatchMode=yes @@SSH_EXTRA@@)
forward_timeout=@@FORWARD_TIMEOUT@@

log() { printf '%s tunnel-factory-worker %s: %s\n' "$(date +%H:%M:%S)" @@NAME_QUOTED@@ "$1" >&2; }

# @include workqueue-forward.sh

ssh_pid='' worker_pid='' dir=''
cleanup() {
  trap '' TERM INT HUP
  local pid
  for pid in "$worker_pid" "$ssh_pid"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [ -n "$dir" ] && rm -rf -- "$dir"
}
trap cleanup EXIT
trap 'leave 143' TERM
trap 'leave 130' INT
trap 'leave 129' HUP

# The worker command, with the manager's address on the head node swapped for the local forward.
worker=("$@")
at=''
for i in "${!worker[@]}"; do
  if [ "${worker[$i]}" = localhost ] && [ "${worker[$((i + 1))]:-}" = "$head_port" ]; then at=$((i + 1)); break; fi
done
[ -n "$at" ] || { log "the worker command does not name localhost $head_port: $*"; leave 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/tnl-wqf.XXXXXX") || { log "cannot create a temporary directory"; leave 1; }
for attempt in 1 2 3 4 5; do
  port=$(pick_port) || { log "found no free local port"; leave 1; }
  "${ssh_cmd[@]}" -L "127.0.0.1:$port:localhost:$head_port" "${head_args[@]}" </dev/null 2>"$dir/ssh.log" &
  ssh_pid=$!
  wait_forward "$ssh_pid" "$dir/ssh.log" && break
  kill "$ssh_pid" 2>/dev/null; wait "$ssh_pid" 2>/dev/null; ssh_pid=''
  grep -q 'Address already in use' "$dir/ssh.log" && continue
  log "ssh to ${head_args[*]} failed: $(grep -Ev '^debug' "$dir/ssh.log" | tail -n 3 | tr -s '\r\n' '  ')"
  leave 1
done
[ -n "$ssh_pid" ] || { log "every local port tried was taken"; leave 1; }

worker[$at]=$port
log "forward 127.0.0.1:$port -> localhost:$head_port on ${head_args[*]} is up; starting the worker"
"${worker[@]}" </dev/null &
worker_pid=$!
wait -n "$worker_pid" "$ssh_pid"
status=$?
if kill -0 "$worker_pid" 2>/dev/null; then
  log "the ssh forward ended; stopping the worker (the factory submits another if the queue needs it)"
  status=1
else
  worker_pid=''
  log "the worker ended (status $status)"
fi
leave "$status"
