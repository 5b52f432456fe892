#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person at a terminal.

    ptydrive.py [--timeout S] [--any] PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]

Waits for each PROMPT to appear in the output, then types ANSWER and Enter; with --any the
prompts may come in any order (security questions are asked in random order), and those that
never come before the command ends are not an error. Prints the whole
transcript, then exits with the command's exit status (124 when a prompt never came)."""
import os
import pty
import select
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 20.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    any_order = args[:1] == ["--any"]
    if any_order:
        args = args[1:]
    split = args.index("--")
    pairs, command = args[:split], args[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = b""
    pos = 0  # prompts are looked for after the last one answered
    todo = [(pairs[i].encode(), pairs[i + 1].encode()) for i in range(0, len(pairs), 2)]
    while todo:
        candidates = todo if any_order else todo[:1]
        deadline = time.time() + timeout
        found = None
        ended = False
        while found is None and not ended and time.time() < deadline:
            hits = [(seen.find(p, pos), p, a) for p, a in candidates if seen.find(p, pos) >= 0]
            if hits:
                found = min(hits)
                break
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                ended = not chunk
                seen += chunk
        if found is None and ended and any_order:
            break  # with --any, prompts that never came (questions not asked) are fine
        if found is None:
            sys.stdout.write(seen.decode(errors="replace"))
            print("\nptydrive: no prompt %r" % [p.decode() for p, _ in candidates])
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.exit(124)
        at, prompt, answer = found
        todo.remove((prompt, answer))
        pos = at + len(prompt)
        os.write(fd, answer + b"\r")
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:  # the rest of the output, until the terminal closes
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        else:
            done, status_word = os.waitpid(pid, os.WNOHANG)
            if done:
                st = status_word
                break
    if st is None:
        if time.time() >= deadline:
            os.kill(pid, 9)
        st = os.waitpid(pid, 0)[1]
    sys.stdout.write(seen.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(st))

main()
