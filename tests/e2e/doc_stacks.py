#!/usr/bin/env python3
"""Finds the PAM stacks that the documentation shows with the password before the code.

    doc_stacks.py OUTDIR FILE...

Reads the code blocks of each FILE (``` fences in Markdown, .EX/.EE and .nf/.fi in man pages)
and keeps those with an "auth" line naming pam_secinfo.so for sign-in (not purpose=reset)
after a password check ("@include common-auth", or an "auth" line naming pam_unix.so). For
each, writes the block's auth lines (comments dropped, roff escapes undone) to OUTDIR/N and
prints "N FILE:LINE", one line per stack, in order."""
import os
import re
import sys


def blocks(path):
    """(first line number, lines) of each code block of PATH."""
    opening = {"```": "```", ".EX": ".EE", ".nf": ".fi"}
    closing, start, lines = None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            word = line.strip()[:3]
            if closing is None and word in opening:
                closing, start, lines = opening[word], number + 1, []
            elif closing is not None and word == closing:
                yield start, lines
                closing = None
            elif closing is not None:
                lines.append(line)


def unroff(line):
    return line.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")


def auth_part(lines):
    """The auth lines of a block when the module follows a password check there, else None."""
    auth, password_seen, module_after_password = [], False, False
    for line in (unroff(raw).strip() for raw in lines):
        words = line.split()
        if not words or line.startswith("#"):
            continue
        if words[:2] == ["@include", "common-auth"]:
            password_seen = True
        elif words[0] != "auth":
            continue
        elif "pam_unix.so" in words:
            password_seen = True
        elif "pam_secinfo.so" in words and not any(w.startswith("purpose=reset") for w in words):
            module_after_password = module_after_password or password_seen
        auth.append(re.sub(r"\s+", " ", line))
    return auth if module_after_password else None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    outdir, n = sys.argv[1], 0
    for path in sys.argv[2:]:
        for start, lines in blocks(path):
            auth = auth_part(lines)
            if auth is None:
                continue
            n += 1
            with open(os.path.join(outdir, str(n)), "w", encoding="utf-8") as out:
                out.write("\n".join(auth) + "\n")
            print(n, "%s:%d" % (os.path.basename(path), start))


main()
