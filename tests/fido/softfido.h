/*
 * softfido: a software FIDO2 authenticator for the tests (never installed).
 *
 * The authenticator speaks CTAPHID (64-byte reports) and CTAP2 to libfido2 through the io
 * functions that tests/fido/preload.c gives it; its state (device secret, PIN, retries,
 * counter, knobs) lives in one file that every operation re-reads and rewrites under flock.
 */
#ifndef SOFTFIDO_H
#define SOFTFIDO_H

#include <stddef.h>

/* The path the preload shim lists and opens. */
#define SOFTFIDO_PATH "/dev/softfido"
/* Wrong PINs a fresh key allows (CTAP2.0: 8). */
#define SOFTFIDO_MAX_RETRIES 8

/* Algorithms the key offers (a set). */
#define SOFTFIDO_ALG_ES256 0x1
#define SOFTFIDO_ALG_EDDSA 0x2
#define SOFTFIDO_ALG_RS256 0x4

enum softfido_touch { SOFTFIDO_TOUCH_AUTO, SOFTFIDO_TOUCH_NONE, SOFTFIDO_TOUCH_SLOW };

struct softfido_state {
	unsigned char secret[32]; /* wraps the credentials' private keys (AES-256-GCM) */
	unsigned char aaguid[16];
	int pin_set;
	unsigned char pin_hash[16]; /* LEFT(SHA-256(PIN), 16), as CTAP2 keeps it */
	int retries;
	unsigned long counter;     /* the signature counter (32 bits) */
	unsigned long credentials; /* how many credentials the key has made */
	int algs;                  /* SOFTFIDO_ALG_* */
	int uv;                    /* 1: the key has clientPin; 0: no PIN/UV at all */
	enum softfido_touch touch;
	long touch_ms; /* SOFTFIDO_TOUCH_SLOW: touched after this many milliseconds */
	int absent;    /* 1: not listed, cannot be opened */
	int counter_frozen;
	int unplug; /* 1: every I/O after open fails */
};

/* ---- the state file (state.c) ---- */

/* Fills st with a new key: random secret and AAGUID, no PIN, every knob at its default. */
int softfido_state_new(struct softfido_state *st);
/* Opens path and locks it exclusively (lock_fd, for softfido_state_save and _unlock), then
 * reads it into st. Returns 0, or -1 with a message on stderr. */
int softfido_state_lock(const char *path, int *lock_fd, struct softfido_state *st);
/* Reads path into st under a shared lock. Returns 0 or -1. */
int softfido_state_read(const char *path, struct softfido_state *st);
/* Rewrites the locked file with st. Returns 0 or -1. */
int softfido_state_save(int lock_fd, const struct softfido_state *st);
/* Releases the lock and closes the file. */
void softfido_state_unlock(int lock_fd);
/* Creates path (exclusively, mode 0600) with st. Returns 0 or -1. */
int softfido_state_create(const char *path, const struct softfido_state *st);
/* Applies one KNOB=VALUE. Returns 0, or -1 with a message on stderr. */
int softfido_state_set(struct softfido_state *st, const char *assignment);
/* Sets (pin != NULL) or clears the PIN, and resets the retries. */
void softfido_state_set_pin(struct softfido_state *st, const char *pin);
/* Parses "es256,eddsa" into SOFTFIDO_ALG_* bits. Returns 0 or -1. */
int softfido_state_parse_algs(const char *text, int *algs);
/* Writes the state for people, one KNOB=VALUE a line (softfido-ctl show). */
void softfido_state_print(const struct softfido_state *st, void *stdio_file);

/* ---- the authenticator (softfido.c), behind libfido2's fido_dev_io_t ---- */
struct softfido;
/* A device for the state file at state_path (copied), or NULL when it is absent. */
struct softfido *softfido_open(const char *state_path);
void softfido_close(struct softfido *dev);
/* libfido2 has opened the device: from now on unplug=1 fails every I/O. */
void softfido_mark_opened(struct softfido *dev);
/* One output report (with or without the leading report id): returns len or -1. */
int softfido_write(struct softfido *dev, const unsigned char *report, size_t len);
/* One input report: waits up to ms milliseconds (ms < 0: no limit). Returns len or -1. */
int softfido_read(struct softfido *dev, unsigned char *report, size_t len, int ms);

#endif
