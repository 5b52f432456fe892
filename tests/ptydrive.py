#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person at a terminal.

    ptydrive.py [--timeout S] [--any] PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]

Waits for each PROMPT to appear in the output (looked for after the previous one answered),
then types ANSWER and Enter. With --any the prompts may come in any order (security questions
are asked in random order), and those that never come before the command ends are not an
error. An ANSWER that starts with "!" is a shell command run at the moment its prompt appears;
what it prints (without the final newline) is typed: a code sent by text message, or a TOTP
code for the current step, is only known then. The command reads the transcript so far on its
standard input (a secret the program has just shown, for example). The ANSWER "^D" types Ctrl-D (end of file)
alone. Each wait, and the wait for the end, lasts at most --timeout seconds (default 20).

Prints the whole transcript, then exits with the command's exit status: 124 when a prompt
never came, 125 when an answer command failed (a command still running after the timeout
is killed, and says so)."""
import os
import pty
import select
import subprocess
import sys
import time


class Terminal:
    """The command on its pseudo-terminal, and everything it has printed so far."""

    def __init__(self, command):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(command[0], command)
        self.seen = b""
        self.pos = 0  # prompts are looked for after the last one answered
        self.closed = False

    def read_some(self, wait):
        """Reads what is there within WAIT seconds. False once the terminal is closed."""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            chunk = b""
        self.seen += chunk
        self.closed = self.closed or not chunk
        return bool(chunk)

    def wait_for(self, prompts, timeout):
        """The first of PROMPTS to appear, as (offset, prompt); None at the end or timeout."""
        deadline = time.time() + timeout
        while True:
            hits = [(self.seen.find(p, self.pos), p) for p in prompts]
            hits = [h for h in hits if h[0] >= 0]
            if hits:
                return min(hits)
            if self.closed or time.time() >= deadline:
                return None
            self.read_some(0.2)

    def type(self, answer):
        time.sleep(0.05)  # let the program switch the terminal's echo off first
        os.write(self.fd, b"\x04" if answer == "^D" else answer.encode() + b"\r")

    def give_up(self, why, status):
        sys.stdout.write(self.seen.decode(errors="replace"))
        print("\nptydrive: %s" % why)
        try:
            os.kill(self.pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        sys.exit(status)

    def finish(self, timeout):
        """Reads the rest until the command ends; prints the transcript; exits with its status."""
        deadline = time.time() + timeout
        status = None
        while time.time() < deadline:
            if not self.read_some(0.2):
                break
            done, word = os.waitpid(self.pid, os.WNOHANG)
            if done:
                status = word
                while select.select([self.fd], [], [], 0)[0] and self.read_some(0.05):
                    pass
                break
        if status is None:
            if time.time() >= deadline:
                print("\nptydrive: still running after %gs, killed" % timeout)
                os.kill(self.pid, 9)
            status = os.waitpid(self.pid, 0)[1]
        sys.stdout.write(self.seen.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))


def answer_text(term, answer):
    """ANSWER as typed: the output of its command for "!command"."""
    if not answer.startswith("!"):
        return answer
    done = subprocess.run(["sh", "-c", answer[1:]], input=term.seen, stdout=subprocess.PIPE)
    if done.returncode != 0:
        term.give_up("answer command failed: %s" % answer[1:], 125)
    return done.stdout.decode().rstrip("\n")


def main():
    args = sys.argv[1:]
    timeout = 20.0
    any_order = False
    while args[:1] in (["--timeout"], ["--any"]):
        if args[0] == "--any":
            any_order, args = True, args[1:]
        else:
            timeout, args = float(args[1]), args[2:]
    if "--" not in args or args.index("--") % 2 != 0 or args.index("--") == len(args) - 1:
        sys.exit(__doc__.split("\n\n")[1])
    split = args.index("--")
    pairs, command = args[:split], args[split + 1:]
    todo = [(pairs[i].encode(), pairs[i + 1]) for i in range(0, len(pairs), 2)]
    term = Terminal(command)
    while todo:
        candidates = todo if any_order else todo[:1]
        found = term.wait_for([p for p, _ in candidates], timeout)
        if found is None and any_order and term.closed:
            break  # with --any, prompts that never came (questions not asked) are fine
        if found is None:
            term.give_up("no prompt %r" % [p.decode() for p, _ in candidates], 124)
        at, prompt = found
        answer = next(a for p, a in todo if p == prompt)
        todo.remove((prompt, answer))
        term.pos = at + len(prompt)
        term.type(answer_text(term, answer))
    term.finish(timeout)


main()
