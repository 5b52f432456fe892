/* secinfo: a set-user-id caller cannot stop the process while it holds the store's locks. */
#ifndef SECINFO_SHIELD_H
#define SECINFO_SHIELD_H

#include <signal.h>
#include <sys/types.h>

/*
 * What secinfo_shield_raise changed, for secinfo_shield_lower to give back.
 *
 * A user who runs a set-user-id program that signs in (passwd, sudo, su, secinfo-reset) owns
 * its real uid, so they may send it SIGSTOP (kill(2): the sender's uid matches the target's
 * real or saved uid), and their terminal sends it SIGTSTP, SIGTTIN and SIGTTOU (Ctrl-Z). A
 * process stopped while it holds the database's write lock keeps every other sign-in on the
 * host waiting, then failing. While raised, the shield makes the real and saved uid root (the
 * effective uid already is), so that kill(2) from the user fails with EPERM, and blocks the
 * three job-control signals of the calling thread, which stay pending until it is lowered.
 */
struct secinfo_shield {
	int uid_switched; /* the real and saved uid were changed */
	uid_t ruid, suid; /* what they were */
	sigset_t mask;    /* the signal mask before */
};

/* Raises the shield: the job-control signals blocked, and when the effective uid is root and
 * the real or saved uid is not, both made root. Returns 0, or SECINFO_ERR_INTERNAL when the
 * uids could not be changed (nothing is changed then). */
int secinfo_shield_raise(struct secinfo_shield *shield);

/* Gives back the uids and the signal mask. A set-user-id program left with a real uid of root
 * would take its caller for root: when the real uid cannot be given back, the process aborts. */
void secinfo_shield_lower(struct secinfo_shield *shield);

#endif
