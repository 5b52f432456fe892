#!/usr/bin/env python3
"""One libfido2 getAssertion with a timeout, through ctypes (the tools have no timeout).

probe.py CREDENTIAL_ID_BASE64 TIMEOUT_MS [CANCEL_AFTER_MS]: prints "<fido_strerr> <milliseconds>"
for fido_dev_get_assert on /dev/softfido with fido_dev_set_timeout(TIMEOUT_MS) (-1: none), and
fido_dev_cancel from another thread after CANCEL_AFTER_MS if given. Run it under the
softfido shim: libfido2 is loaded RTLD_GLOBAL and called through the global scope, so the
shim's fido_dev_open is the one called, as it is for a program linked with libfido2.
"""
import base64
import ctypes
import os
import sys
import threading
import time

lib = ctypes.CDLL("libfido2.so.1", mode=ctypes.RTLD_GLOBAL)
fido = ctypes.CDLL(None)
fido.fido_dev_new.restype = ctypes.c_void_p
fido.fido_assert_new.restype = ctypes.c_void_p
fido.fido_strerr.restype = ctypes.c_char_p
for name in ("fido_dev_open", "fido_dev_set_timeout", "fido_dev_get_assert",
             "fido_assert_set_rp", "fido_assert_set_clientdata_hash",
             "fido_assert_allow_cred", "fido_dev_close", "fido_dev_cancel"):
    getattr(fido, name).argtypes = None

fido.fido_init(0)
dev = ctypes.c_void_p(fido.fido_dev_new())
r = fido.fido_dev_open(dev, b"/dev/softfido")
if r != 0:
    print("open:" + fido.fido_strerr(r).decode(), 0)
    sys.exit(0)
fido.fido_dev_set_timeout(dev, int(sys.argv[2]))
a = ctypes.c_void_p(fido.fido_assert_new())
cred = base64.b64decode(sys.argv[1])
cdh = os.urandom(32)
fido.fido_assert_set_rp(a, b"secinfo")
fido.fido_assert_set_clientdata_hash(a, cdh, ctypes.c_size_t(32))
fido.fido_assert_allow_cred(a, cred, ctypes.c_size_t(len(cred)))
if len(sys.argv) > 3:
    threading.Timer(int(sys.argv[3]) / 1000, lambda: fido.fido_dev_cancel(dev)).start()
start = time.monotonic()
r = fido.fido_dev_get_assert(dev, a, None)
elapsed = int((time.monotonic() - start) * 1000)
print(fido.fido_strerr(r).decode(), elapsed)
fido.fido_dev_close(dev)
