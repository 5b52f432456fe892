#!/usr/bin/env python3
"""libfido2 calls that its tools do not make, through ctypes, on /dev/softfido.

  probe.py assert CRED_ID_BASE64 TIMEOUT_MS [CANCEL_AFTER_MS]
      one fido_dev_get_assert (rp secinfo) with fido_dev_set_timeout(TIMEOUT_MS) (-1: none),
      and fido_dev_cancel from another thread after CANCEL_AFTER_MS if given;
      prints "<fido_strerr> <milliseconds>"
  probe.py pins CRED_ID_BASE64 PIN...
      one fido_dev_get_assert per PIN on one open device; prints fido_strerr for each
  probe.py touch TIMEOUT_MS
      fido_dev_get_touch_begin, then fido_dev_get_touch_status until touched or TIMEOUT_MS;
      prints "touched <milliseconds>" or "untouched <milliseconds>"

Run it under the softfido shim: libfido2 is loaded RTLD_GLOBAL and called through the global
scope, so the shim's fido_dev_open is the one called, as for a program linked with libfido2.
"""
import base64
import ctypes
import os
import sys
import threading
import time

ctypes.CDLL("libfido2.so.1", mode=ctypes.RTLD_GLOBAL)
fido = ctypes.CDLL(None)
fido.fido_dev_new.restype = ctypes.c_void_p
fido.fido_assert_new.restype = ctypes.c_void_p
fido.fido_strerr.restype = ctypes.c_char_p


def strerr(r):
    return fido.fido_strerr(r).decode()


def open_dev():
    fido.fido_init(0)
    dev = ctypes.c_void_p(fido.fido_dev_new())
    r = fido.fido_dev_open(dev, b"/dev/softfido")
    if r != 0:
        print("open:" + strerr(r), 0)
        sys.exit(0)
    return dev


def new_assert(cred_b64):
    a = ctypes.c_void_p(fido.fido_assert_new())
    cred = base64.b64decode(cred_b64)
    fido.fido_assert_set_rp(a, b"secinfo")
    fido.fido_assert_set_clientdata_hash(a, os.urandom(32), ctypes.c_size_t(32))
    fido.fido_assert_allow_cred(a, cred, ctypes.c_size_t(len(cred)))
    return a


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    dev = open_dev()
    if mode == "assert":
        fido.fido_dev_set_timeout(dev, int(args[1]))
        a = new_assert(args[0])
        if len(args) > 2:
            threading.Timer(int(args[2]) / 1000, lambda: fido.fido_dev_cancel(dev)).start()
        start = time.monotonic()
        r = fido.fido_dev_get_assert(dev, a, None)
        print(strerr(r), int((time.monotonic() - start) * 1000))
    elif mode == "pins":
        for pin in args[1:]:
            print(strerr(fido.fido_dev_get_assert(dev, new_assert(args[0]), pin.encode())))
    elif mode == "touch":
        start = time.monotonic()
        r = fido.fido_dev_get_touch_begin(dev)
        if r != 0:
            print("begin:" + strerr(r), 0)
            return
        touched = ctypes.c_int(0)
        while time.monotonic() - start < int(args[0]) / 1000:
            r = fido.fido_dev_get_touch_status(dev, ctypes.byref(touched), 100)
            if r != 0:
                print("status:" + strerr(r), 0)
                return
            if touched.value:
                break
        ms = int((time.monotonic() - start) * 1000)
        print("touched" if touched.value else "untouched", ms)
        if not touched.value:
            fido.fido_dev_cancel(dev)
    fido.fido_dev_close(dev)


main()
