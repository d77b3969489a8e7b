# Shared by the worker script and the factory wrapper (inlined where `# @include` names this file).
# Each script defines, for one worker with its own forward: log SLOT MSG, slot (its label in the
# log), ssh_cmd, head_args, head_port, forward_timeout, give_up, and port, ssh_pid, worker_pid,
# paused, nap_pid, slot_dir (its private directory; ssh.log goes there).

# Every exit goes through here, signals ignored first: a second signal (Ctrl-C reaches the whole
# process group, then the script TERMs its slots) would otherwise run `exit` again inside the EXIT
# trap, which cuts the cleanup short and leaves an ssh running.
leave() { trap '' TERM INT HUP; exit "$1"; }

# A port nothing on this node accepts connections on. Another worker may still bind it
# first; ssh then says "Address already in use" and the caller picks again.
pick_port() {
  local p i
  for i in $(seq 1 100); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# True once ssh $1 (run with -v, stderr in $2) has opened its session: by then its -L listener is bound.
wait_forward() {
  local i
  for i in $(seq 1 $(( forward_timeout * 10 ))); do
    kill -0 "$1" 2>/dev/null || return 1
    grep -q '^debug1: Entering interactive session' "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

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

# The EXIT trap. A second signal (Ctrl-C reaches the slot and the script, then the script TERMs the
# slot) must not cut it short: every exit goes through leave, which ignores them before this runs.
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

# A new forward on a free local port (a port another worker takes first is tried again elsewhere).
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
    [ "$rc" -eq 3 ] && { log "$slot" "ssh to ${head_args[*]} was refused for good, stopping the worker: $(ssh_said)"; return 1; }
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$slot" "gave up after ${give_up}s without the forward, stopping the worker: $(ssh_said)"
      return 1
    fi
    (( attempt & (attempt - 1) )) || log "$slot" "forward still down (attempt $attempt): $(ssh_said 1)"
    ms=$(( delay * 500 + RANDOM % (delay * 1000 + 1) ))
    (( ms > (deadline - SECONDS) * 1000 )) && ms=$(( (deadline - SECONDS) * 1000 ))
    nap "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
    delay=$(( delay * 2 > 10 ? 10 : delay * 2 ))
  done
}

# The forward ended under a running worker. While nothing of ours listens on $port the worker must
# not connect to whatever else may bind it, so it is paused (SIGSTOP) until the forward is back on
# the same port; then it reconnects to its manager by itself.
# 0: back, worker resumed; 2: another program took the port (the worker stays paused); 1: given up.
heal_forward() {
  local since=$SECONDS status
  ssh_pid=''
  kill -STOP "$worker_pid" 2>/dev/null
  paused=1
  log "$slot" "the ssh forward ended ($(ssh_said 1)); worker paused, reopening 127.0.0.1:$port"
  reopen_forward
  status=$?
  [ "$status" -eq 0 ] || return "$status"
  kill -CONT "$worker_pid" 2>/dev/null
  paused=''
  log "$slot" "forward 127.0.0.1:$port is back after $(( SECONDS - since ))s; worker resumed"
}

# Waits on the worker and its forward, healing the forward whenever it drops. Leaves with the
# worker's status when it ends, or 1 once the forward is given up; returns (the worker paused)
# when another program took the port meanwhile: the caller decides what replaces the worker.
watch_worker() {
  local status
  while :; do
    wait -n
    status=$?
    if ! kill -0 "$worker_pid" 2>/dev/null; then
      worker_pid=''
      log "$slot" "the worker ended (status $status)"
      leave "$status"
    fi
    kill -0 "$ssh_pid" 2>/dev/null && continue
    heal_forward
    status=$?
    [ "$status" -eq 0 ] && continue
    [ "$status" -eq 2 ] && return 0
    leave 1
  done
}
