/* secinfo-admin and secinfo: the little JSON that --json prints (SPEC 7, 12). */
#ifndef SECINFO_CLI_JSON_H
#define SECINFO_CLI_JSON_H

#include <stdio.h>

/*
 * Writes S as a JSON string literal: quote, backslash and control characters escaped (\n, \t,
 * ... or \u00XX), DEL as \u007f, valid UTF-8 kept, each byte of invalid UTF-8 as U+FFFD.
 * NULL is written as null.
 */
void secinfo_json_string(FILE *out, const char *s);

/* Writes time T (seconds since the epoch) as "2026-11-22T02:40:00Z", or null when T is 0. */
void secinfo_json_time(FILE *out, long long t);

/* Writes KEY as a string literal followed by ": ". */
void secinfo_json_key(FILE *out, const char *key);

struct secinfo_conf;
struct secinfo_user;

/*
 * Writes user NAME's security info USER (NULL: none yet) in the shape of 'user show --json'
 * (SPEC 7), one object and a newline: details in full for administrators (FULL), masked for
 * the user's own eyes (secinfo, SPEC 12: "+1 XXXXXXXX34", "a***@example.net"); a pass's
 * detail is "expires ISO-8601" (SPEC 14); usable_for under CONF's policy. LOCKED_UNTIL is 0
 * when the user is not locked now.
 */
void secinfo_json_user(FILE *out, const struct secinfo_conf *conf, const char *name,
		       const struct secinfo_user *user, long long locked_until, int full);

#endif
