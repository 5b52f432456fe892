#!/usr/bin/env python3
"""tests/pam/ptydrive.py with answers computed when their prompt comes.

    ptyrun.py [--timeout S] PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]

Runs COMMAND on a pseudo-terminal, waits for each PROMPT in turn (looked for after the
previous one) and types ANSWER and Enter. An ANSWER that starts with "!" is a shell command
run at the moment its prompt appears; what it prints (without the final newline) is typed:
a code sent by text message, or a TOTP code computed for the current step, is only known
then. The ANSWER "^D" types Ctrl-D (end of file) alone. Prints the whole transcript, then
exits with the command's exit status (124 when a prompt never came, 125 when an answer
command failed)."""
import os
import pty
import select
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 20.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    split = args.index("--")
    pairs, command = args[:split], args[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = b""
    pos = 0
    todo = [(pairs[i].encode(), pairs[i + 1]) for i in range(0, len(pairs), 2)]

    def read_some(wait):
        nonlocal seen
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        seen += chunk
        return bool(chunk)

    def give_up(why, code):
        sys.stdout.write(seen.decode(errors="replace"))
        print("\nptyrun: %s" % why)
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        sys.exit(code)

    for prompt, answer in todo:
        deadline = time.time() + timeout
        alive = True
        while seen.find(prompt, pos) < 0 and alive and time.time() < deadline:
            alive = read_some(0.2)
        at = seen.find(prompt, pos)
        if at < 0:
            give_up("no prompt %r" % prompt.decode(), 124)
        pos = at + len(prompt)
        if answer.startswith("!"):
            done = subprocess.run(["sh", "-c", answer[1:]], stdout=subprocess.PIPE)
            if done.returncode != 0:
                give_up("answer command failed: %s" % answer[1:], 125)
            answer = done.stdout.decode().rstrip("\n")
        time.sleep(0.05)  # let the program switch the terminal's echo off first
        os.write(fd, b"\x04" if answer == "^D" else answer.encode() + b"\r")
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:  # the rest of the output, until the terminal closes
        if not read_some(0.2):
            break
        done, status_word = os.waitpid(pid, os.WNOHANG)
        if done:
            st = status_word
            while read_some(0.05) and select.select([fd], [], [], 0)[0]:
                pass
            break
    if st is None:
        if time.time() >= deadline:
            print("\nptyrun: still running after %gs, killed" % timeout)
            os.kill(pid, 9)
        st = os.waitpid(pid, 0)[1]
    sys.stdout.write(seen.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(st))


main()
