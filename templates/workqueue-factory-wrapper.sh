#!/bin/bash
# The --wrapper of work_queue_factory, written by `tunnel worker workqueue @@NAME@@ --factory`.
# The factory (on the head node) runs each Slurm worker job as
#   THIS_FILE ./work_queue_worker [options] localhost @@HEAD_PORT@@ [options]
# where localhost:@@HEAD_PORT@@ is the manager's forward on the head node, which a compute node
# cannot reach. So, on the compute node, this wrapper:
#   1. picks a free local port (several workers on one node never share one),
#   2. opens   ssh -N -L 127.0.0.1:<that port>:localhost:@@HEAD_PORT@@ <head node>
#      and waits until ssh reports the forward is up,
#   3. runs the worker command with `localhost @@HEAD_PORT@@` replaced by `localhost <that port>`
#      (and its workspace in this wrapper's own directory, so it goes even if the worker is killed),
#   4. when the forward drops (head node sshd restarted, network hiccup), pauses the worker
#      (SIGSTOP: while nothing of ours listens on the port, it must not connect to whatever else
#      may bind it), reopens the forward on the SAME port with backoff for up to @@FORWARD_GIVE_UP@@ s,
#      then resumes the worker, which reconnects to its manager by itself.
# It stops both, removing its files, and exits when the worker ends, the forward cannot be restored
# (given up, or another program bound the port meanwhile: exit 1, and the factory submits another
# worker if the queue needs one), or the job is signalled (scancel sends SIGTERM; bash runs the
# EXIT trap on SIGTERM only because TERM is trapped too).

head_args=(@@HEAD_ARGS@@)
head_port=@@HEAD_PORT@@
ssh_cmd=(ssh -N -T -v -o ExitOnForwardFailure=yes -o ServerAliveInterval=@@KEEPALIVE@@ -o ServerAliveCountMax=@@KEEPALIVE_COUNT@@ -o ConnectTimeout=@@CONNECT_TIMEOUT@@ -o BatchMode=yes @@SSH_EXTRA@@)
forward_timeout=@@FORWARD_TIMEOUT@@
give_up=@@FORWARD_GIVE_UP@@

log() { printf '%s tunnel-factory-worker %s[%s]: %s\n' "$(date +%H:%M:%S)" @@NAME_QUOTED@@ "$1" "$2" >&2; }

# @include workqueue-forward.sh

# Its label in the log: the Slurm job, or this process outside Slurm.
slot=${SLURM_JOB_ID:-$$} ssh_pid='' worker_pid='' paused='' nap_pid='' slot_dir='' port=''
trap cleanup_slot EXIT
trap 'leave 143' TERM
trap 'leave 130' INT
trap 'leave 129' HUP

# The worker command, with the manager's address on the head node to be swapped for the forward's.
worker=("$@") at=''
for i in "${!worker[@]}"; do
  if [ "${worker[$i]}" = localhost ] && [ "${worker[$((i + 1))]:-}" = "$head_port" ]; then at=$((i + 1)); break; fi
done
[ -n "$at" ] || { log "$slot" "the worker command does not name localhost $head_port: $*"; leave 2; }

slot_dir=$(mktemp -d "${TMPDIR:-/tmp}/tnl-wqf.XXXXXX") || { log "$slot" "cannot create a temporary directory"; leave 1; }
first_forward || leave 1
worker[$at]=$port
# Its workspace in $slot_dir goes even when a paused worker is killed. Right after the program, so
# a --workdir the factory was given with -E comes later and wins.
worker=("${worker[0]}" --workdir="$slot_dir" "${worker[@]:1}")
log "$slot" "forward 127.0.0.1:$port -> localhost:$head_port on ${head_args[*]} is up; starting the worker"
"${worker[@]}" </dev/null &
worker_pid=$!
watch_worker
# Someone bound the port while it was free: this worker never talks to them; the factory starts another.
log "$slot" "another program took local port $port meanwhile; stopping the worker (the factory submits another if the queue needs one)"
leave 1
