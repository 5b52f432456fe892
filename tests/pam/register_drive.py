#!/usr/bin/env python3
"""Answers a sign-in's prompts as they come, for registration tests (tests/pam/register.sh,
tests/e2e/register.sh): the code to answer depends on the secret the module shows.

    register_drive.py SECRET_FILE ANSWERS -- COMMAND...

COMMAND is a client that prints each prompt on a line of its own starting with "[prompt"
(tests/pam/pamdrive) and reads one answer line per prompt. ANSWERS is a comma-separated list,
one per prompt: "code" is the current TOTP code of the secret in the otpauth:// URI shown
(computed by oathtool, and also written to SECRET_FILE.code), "hold" the same after the prompt
has waited (SECRET_FILE.prompt is created, then SECRET_FILE.go is waited for, up to 30 s),
"wrong" a wrong code, "eof" closes the input (a NULL reply); anything else is typed as it is. After the last answer the
input is closed. The transcript goes to standard output; the exit status is COMMAND's. The
secret goes to SECRET_FILE.
"""
import os
import re
import subprocess
import sys
import time


def main():
    secret_file, answers = sys.argv[1], sys.argv[2].split(",") if sys.argv[2] else []
    command = sys.argv[sys.argv.index("--") + 1:]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
    secret = None
    for line in child.stdout:
        sys.stdout.write(line)
        found = re.search(r"otpauth://totp/[^ ]*[?&]secret=([A-Z2-7]+)", line)
        if found:
            secret = found.group(1)
            with open(secret_file, "w") as f:
                f.write(secret + "\n")
        if not line.startswith("[prompt") or child.stdin.closed:
            continue
        answer = answers.pop(0) if answers else "eof"
        if answer == "eof":
            child.stdin.close()
            continue
        if answer == "hold":
            open(secret_file + ".prompt", "w").close()
            for _ in range(300):
                if os.path.exists(secret_file + ".go"):
                    break
                time.sleep(0.1)
            answer = "code"
        if answer == "code":
            if secret is None:
                sys.stdout.write("register_drive: no otpauth:// URI was shown\n")
                child.stdin.close()
                continue
            answer = subprocess.run(["oathtool", "--totp", "-b", secret], check=True,
                                    capture_output=True, text=True).stdout.strip()
            with open(secret_file + ".code", "w") as f:
                f.write(answer + "\n")
        elif answer == "wrong":
            answer = "000000"
        try:
            child.stdin.write(answer + "\n")
            child.stdin.flush()
        except BrokenPipeError:
            pass
    if not child.stdin.closed:
        child.stdin.close()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
