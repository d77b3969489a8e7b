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

# A stopped child gets its TERM only once continued.
stop_child() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null && { kill -CONT "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
  return 0
}

# A paused worker is killed outright: continued, it would first try its port once more, and that
# port may now belong to someone else. Its workspace is in $slot_dir, which goes anyway.
stop_worker() {
  [ -n "$worker_pid" ] || return 0
  if [ -n "$paused" ]; then
    kill -KILL "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
  else
    stop_child "$worker_pid"
  fi
  worker_pid='' paused=''
}

# A second signal (Ctrl-C reaches the slot and the script, then the script TERMs the slot) must
# not cut the cleanup short: every exit goes through leave, which ignores them before this runs.
cleanup_slot() {
  trap '' TERM INT HUP
  stop_child "$nap_pid"
  stop_worker
  stop_child "$ssh_pid"
  [ -n "$slot_dir" ] && rm -rf -- "$slot_dir"
}

# What ssh said last, minus its debug lines and its closing statistics.
ssh_said() { grep -Ev '^(debug|Transferred:|Bytes per second:)' "$slot_dir/ssh.log" 2>/dev/null | tail -n "${1:-3}" | tr -s '\r\n' '  '; }

# Starts ssh -L on $port. 0: the forward is up; 2: the port is taken; 3: retrying cannot help
# (authentication or host key: a loop would only lock the account); 1: anything else.
open_forward() {
  "${ssh_cmd[@]}" -L "127.0.0.1:$port:localhost:$head_port" "${head_args[@]}" </dev/null 2>"$slot_dir/ssh.log" &
  ssh_pid=$!
  wait_forward "$ssh_pid" "$slot_dir/ssh.log" && return 0
  stop_child "$ssh_pid"
  ssh_pid=''
  grep -q 'Address already in use' "$slot_dir/ssh.log" && return 2
  grep -Eq 'Permission denied|Host key verification failed|IDENTIFICATION HAS CHANGED' "$slot_dir/ssh.log" && return 3
  return 1
}

# Sleeps in the background, so a TERM is handled at once rather than after the nap.
nap() {
  sleep "$1" &
  nap_pid=$!
  wait "$nap_pid"
  nap_pid=''
}

# Reopens the forward on the same $port: at once, then after ~1, 2, 4, 8, 10, 10... s (jittered,
# so a job array does not hit the head node's sshd all at once), for up to $give_up seconds.
# 0: it is back; 2: something else bound the port meanwhile; 1: given up.
reopen_forward() {
  local deadline=$(( SECONDS + give_up )) attempt=0 delay=1 ms rc
  while :; do
    attempt=$(( attempt + 1 ))
    open_forward
    rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 2 ] && return 2
    [ "$rc" -eq 3 ] && { log "$slot" "ssh to ${head_args[*]} was refused for good: $(ssh_said)"; return 1; }
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$slot" "gave up after ${give_up}s without the forward: $(ssh_said)"
      return 1
    fi
    (( attempt & (attempt - 1) )) || log "$slot" "forward still down (attempt $attempt): $(ssh_said 1)"
    ms=$(( delay * 500 + RANDOM % (delay * 1000 + 1) ))
    (( ms > (deadline - SECONDS) * 1000 )) && ms=$(( (deadline - SECONDS) * 1000 ))
    nap "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
    delay=$(( delay * 2 > 10 ? 10 : delay * 2 ))
  done
}

# One worker with its own forward; runs in a background subshell, so these globals are its own.
run_slot() {
  slot=$1 ssh_pid='' worker_pid='' paused='' nap_pid='' slot_dir='' port=''
  trap cleanup_slot EXIT
  trap 'leave 143' TERM
  trap 'leave 130' INT
  trap 'leave 129' HUP
  slot_dir=$(mktemp -d "${TMPDIR:-/tmp}/tnl-wq.XXXXXX") || { log "$slot" "cannot create a temporary directory"; leave 1; }
  local status since
  first_forward || leave 1
  start_worker
  while :; do
    wait -n
    status=$?
    if ! kill -0 "$worker_pid" 2>/dev/null; then
      worker_pid=''
      log "$slot" "the worker ended (status $status)"
      leave "$status"
    fi
    kill -0 "$ssh_pid" 2>/dev/null && continue
    ssh_pid=''
    kill -STOP "$worker_pid" 2>/dev/null
    paused=1
    since=$SECONDS
    log "$slot" "the ssh forward ended ($(ssh_said 1)); worker paused, reopening 127.0.0.1:$port"
    reopen_forward
    status=$?
    if [ "$status" -eq 0 ]; then
      kill -CONT "$worker_pid" 2>/dev/null
      paused=''
      log "$slot" "forward 127.0.0.1:$port is back after $(( SECONDS - since ))s; worker resumed"
      continue
    fi
    [ "$status" -eq 2 ] || leave 1
    # Someone bound the port while it was free: this worker never talks to them; a new one starts elsewhere.
    log "$slot" "another program took local port $port meanwhile; replacing the worker with one on a new port"
    stop_worker
    first_forward || leave 1
    start_worker
  done
}

# A new forward on a free local port (a port another slot takes first is tried again elsewhere).
first_forward() {
  local attempt status
  for attempt in 1 2 3 4 5; do
    port=$(pick_port) || { log "$slot" "found no free local port"; return 1; }
    open_forward
    status=$?
    [ "$status" -eq 0 ] && return 0
    [ "$status" -eq 2 ] && continue
    # This fails fast: a wrong host or key shows at once, not after $give_up seconds.
    log "$slot" "ssh to ${head_args[*]} failed: $(ssh_said)"
    return 1
  done
  log "$slot" "every local port tried was taken"
  return 1
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
