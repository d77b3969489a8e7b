# Work Queue manager for bench section 3b. Prints "PORT N" once; each line "TAG" on stdin queues
# the task `echo TAG`; each result prints "RESULT TAG STATUS OUTPUT". Exits when stdin closes.
# q.wait(0) blocks up to 1 s while a task is pending and returns at once when nothing is queued,
# so stdin is polled with select() in between: a submit is picked up within 50 ms when idle.
import os
import select
import sys

import work_queue as wq

q = wq.WorkQueue(port=0)
print("PORT", q.port, flush=True)
pending = b""
while True:
    readable, _, _ = select.select([0], [], [], 0.05 if q.empty() else 0)
    if readable:
        chunk = os.read(0, 4096)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for tag in (line.decode().strip() for line in lines):
            if tag.isalnum():
                task = wq.Task("echo " + tag)
                task.specify_tag(tag)
                q.submit(task)
    done = q.wait(0)
    if done:
        print("RESULT", done.tag, done.return_status, done.output.strip(), flush=True)
