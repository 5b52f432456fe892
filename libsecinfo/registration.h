/* secinfo: who is offered registration at sign-in ([registration] users, SPEC 13). */
#ifndef SECINFO_REGISTRATION_H
#define SECINFO_REGISTRATION_H

#include "conf.h"

/*
 * Whether USER (the canonical name) is listed in [registration] users: "*" (everyone), the
 * user's name, or "@group" for a group whose members include USER, by the primary group of
 * the passwd entry or as a supplementary member (getgrouplist). A user or group the name
 * service does not know matches no "@group". Returns 1 (offered), 0 (not), or
 * SECINFO_ERR_NOMEM / SECINFO_ERR_IO (the name service could not answer: the caller fails
 * closed).
 */
int secinfo_registration_offered(const struct secinfo_conf *conf, const char *user);

#endif
