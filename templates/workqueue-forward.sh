# Shared by the worker script and the factory wrapper (inlined where `# @include` names this file).

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
