#!/bin/sh
# {title}
# Rendered by `tunnel up --slurm`. It runs the app on the node this job got, in a private
# directory, and writes where the app listens to a private notes file in the (shared) home,
# which the tunnel reads through the login node. Every value below was shell-quoted by tunnel.
notes="$HOME/.tunnel/jobs/$SLURM_JOB_ID"
TUNNEL_DIR={dir}
TUNNEL_SOCKET={socket}
TUNNEL_PORT=
export TUNNEL_DIR TUNNEL_SOCKET TUNNEL_PORT
umask 077
mkdir -m 700 "$TUNNEL_DIR" || { echo "tunnel: cannot create the private directory $TUNNEL_DIR" >&2; exit 97; }
note() { printf '%s\n' "$@" >"$notes.tmp" && mv -f "$notes.tmp" "$notes"; }
p=
cleanup() { if [ -n "$p" ]; then kill -TERM "$p" 2>/dev/null; fi; rm -rf -- "$TUNNEL_DIR"; rm -f -- "$notes" "$notes.tmp"; }
trap cleanup EXIT
# scancel and the walltime send TERM; without a TERM trap the EXIT trap would not run.
trap 'exit 143' TERM INT HUP
/bin/sh -c {command} &
p=$!
if [ -n "$TUNNEL_SOCKET" ]; then
  while [ ! -S "$TUNNEL_SOCKET" ]; do
    if kill -0 "$p" 2>/dev/null; then sleep 0.2; else note "state=failed" "node=$(hostname)" "dir=$TUNNEL_DIR"; p=; exit 3; fi
  done
fi
note "state=ready" "node=$(hostname)" "dir=$TUNNEL_DIR" "socket=$TUNNEL_SOCKET" "pid=$p"
wait "$p"
