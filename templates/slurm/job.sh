#!/bin/sh
# {title}
# Rendered by `tunnel up --slurm`. It runs the app on the node this job got, in a private
# directory, and writes where the app listens to a private notes file in the (shared) home,
# which the tunnel reads through the login node. Every value below was shell-quoted by tunnel.
notes="$HOME/.tunnel/jobs/$SLURM_JOB_ID"
TUNNEL_DIR={dir}
TUNNEL_SOCKET={socket}
TUNNEL_PORT=
# Set for an app that connects back to the user (pvserver): it starts once the tunnel names its port.
TUNNEL_WAIT_PORT={waitport}
export TUNNEL_DIR TUNNEL_SOCKET TUNNEL_PORT
umask 077
mkdir -m 700 "$TUNNEL_DIR" || { echo "tunnel: cannot create the private directory $TUNNEL_DIR" >&2; exit 97; }
note() { printf '%s\n' "$@" >"$notes.tmp" && mv -f "$notes.tmp" "$notes"; }
p=
# Every exit after this point goes through leave: with signals ignored first, a second TERM (Slurm
# signals every process of the step) cannot run `exit` inside the EXIT trap and cut the cleanup short.
leave() { trap '' TERM INT HUP; exit "$1"; }
cleanup() { if [ -n "$p" ]; then kill -TERM "$p" 2>/dev/null; fi; rm -rf -- "$TUNNEL_DIR"; rm -f -- "$notes" "$notes.tmp" "$notes.port"; }
trap cleanup EXIT
# scancel and the walltime send TERM; without a TERM trap the EXIT trap would not run.
trap 'leave 143' TERM INT HUP
rm -f -- "$notes.port"
if [ -n "$TUNNEL_WAIT_PORT" ]; then
  # The tunnel builds its -R on this node once the job runs here, then writes the port it got.
  note "state=ready" "node=$(hostname)" "dir=$TUNNEL_DIR" "wait=port"
  while [ ! -s "$notes.port" ]; do sleep 0.2; done
  TUNNEL_PORT=$(sed -n 's/^port=//p' "$notes.port")
  case "$TUNNEL_PORT" in ''|*[!0-9]*) echo "tunnel: no port in $notes.port" >&2; leave 4;; esac
fi
/bin/sh -c {command} &
p=$!
if [ -n "$TUNNEL_SOCKET" ]; then
  while [ ! -S "$TUNNEL_SOCKET" ]; do
    if kill -0 "$p" 2>/dev/null; then sleep 0.2; else note "state=failed" "node=$(hostname)" "dir=$TUNNEL_DIR"; p=; leave 3; fi
  done
fi
note "state=ready" "node=$(hostname)" "dir=$TUNNEL_DIR" "socket=$TUNNEL_SOCKET" "pid=$p"
wait "$p"
