/* secinfo: the shield around the store's locks (shield.h says why). */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "shield.h"

int
secinfo_shield_raise(struct secinfo_shield *shield)
{
	uid_t ruid, euid, suid;
	sigset_t stops;

	shield->uid_switched = 0;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTSTP);
	sigaddset(&stops, SIGTTIN);
	sigaddset(&stops, SIGTTOU);
	if (pthread_sigmask(SIG_BLOCK, &stops, &shield->mask) != 0)
		return SECINFO_ERR_INTERNAL;
	if (getresuid(&ruid, &euid, &suid) != 0) {
		pthread_sigmask(SIG_SETMASK, &shield->mask, NULL);
		return SECINFO_ERR_INTERNAL;
	}
	if (euid != 0 || (ruid == 0 && suid == 0))
		return 0; /* not set-user-id root, or the caller is root: nobody else may signal */
	if (setresuid(0, (uid_t)-1, 0) != 0) {
		pthread_sigmask(SIG_SETMASK, &shield->mask, NULL);
		return SECINFO_ERR_INTERNAL;
	}
	shield->ruid = ruid;
	shield->suid = suid;
	shield->uid_switched = 1;
	return 0;
}

void
secinfo_shield_lower(struct secinfo_shield *shield)
{
	if (shield->uid_switched && setresuid(shield->ruid, (uid_t)-1, shield->suid) != 0)
		abort();
	shield->uid_switched = 0;
	pthread_sigmask(SIG_SETMASK, &shield->mask, NULL);
}
