/*
 * The fault injector (tests/fault/inject.c), preloaded into tests/fault/test_fault: it fails
 * the Nth call of one class of functions while a PAM call of the module runs. Test-only: it
 * is a check_ library and never installed.
 */
#ifndef SECINFO_FAULT_INJECT_H
#define SECINFO_FAULT_INJECT_H

#include <sys/types.h>

/* The classes of calls that can be failed. FAULT_CONV and FAULT_CONV_NULL are failed by the
 * test's conversation function, which asks fault_hit(); the others by the interposers. */
enum fault_class {
	FAULT_MEM,       /* malloc calloc realloc strdup strndup: NULL, ENOMEM */
	FAULT_IO,        /* open(at) read write pread pwrite (f/l)stat fsync fdatasync: -1, EIO */
	FAULT_SQLITE,    /* sqlite3_open_v2 prepare_v2/v3 step exec: SQLITE_IOERR */
	FAULT_PQ,        /* the store's libpq calls, each as libpq fails: PQconnectdbParams
			  * (NULL, CONNECTION_BAD), PQconndefaults (NULL), PQsetnonblocking (-1),
			  * PQsendQuery(Params) (0), PQflush (-1), PQconsumeInput (0),
			  * PQgetResult (a PGRES_FATAL_ERROR result), PQsocket (-1), PQstatus
			  * (CONNECTION_BAD), PQtransactionStatus (PQTRANS_UNKNOWN), and the poll()
			  * on libpq's socket (-1, ENOMEM); a statement's wait counted once */
	FAULT_NULL,      /* a column read back as NULL (a damaged row; sqlite3_column_* or
			  * PQgetisnull/PQgetvalue/PQgetlength); not locked_until, default_method,
			  * last_used, where NULL is a meaning */
	FAULT_SODIUM,    /* the libsodium calls: -1 or NULL, sodium_memcmp: "different" */
	FAULT_OATH,      /* the liboath calls: OATH_CRYPTO_ERROR */
	FAULT_PAM,       /* pam_get_item pam_get_user pam_get_data pam_set_data: PAM_SYSTEM_ERR */
	FAULT_FIDO,      /* the libfido2 calls of the security key: an error code, NULL, or an
			  * answer a broken key could give (no flags, a counter of 0, no id) */
	FAULT_CONV,      /* the conversation function returns PAM_CONV_ERR */
	FAULT_CONV_NULL, /* the conversation function returns no reply (Ctrl-D, sudo -n) */
	FAULT_NCLASSES
};

#define FAULT_SITES_MAX  65536
#define FAULT_SITE_DEPTH 4 /* return addresses that make a memory call's site */

/* Shared (MAP_SHARED) between the harness and the child that runs one PAM call, so the
 * harness reads what the child's run counted. */
struct fault_state {
	int armed;                  /* counting calls of the arming thread */
	int module_rc;              /* the module's code (the relay's first failure) */
	int module_calls;           /* entry points of the module called */
	int paused;                 /* the harness's own work inside a PAM call */
	int target;                 /* the class to fail, or -1: count only */
	long target_n;              /* fail the call of that class numbered target_n */
	long calls[FAULT_NCLASSES]; /* calls counted per class in this run */
	long seq;                   /* calls counted in this run, all classes */
	long injected_seq;          /* seq of the failed call; 0: nothing failed */
	long last_read_seq;         /* seq of the last step of a read-only statement
					    * that worked (SQLITE_ROW or SQLITE_DONE) */
	/* PostgreSQL: the SELECTs whose result came back whole in this run, and how many had
	 * when the call was failed. Counted, not numbered: how many calls a wait on the socket
	 * makes varies from run to run, the order of the statements does not. */
	long reads, reads_at_injection;
	char injected_name[48]; /* the function that was failed */
	/* The code of the test's software FIDO2 key (tests/fido/softfido.so), [device_lo,
	 * device_hi): a call made with it on the call stack is the key's work, as a real key's
	 * is done on the key, and is neither counted nor failed. 0, 0: none. */
	unsigned long device_lo, device_hi;
	/* record_sites: the run keeps, for each memory call, a key of its call stack (the
	 * harness then fails the first call of each distinct stack only). */
	int record_sites;
	long n_sites;
	unsigned sites[FAULT_SITES_MAX];
	/* For each of those: 1 when libpq's PQconnectdbParams made it (the connection is made the
	 * same way in every scenario: test_fault.c fails its calls in the first only). */
	unsigned char site_in_connect[FAULT_SITES_MAX];
};

/* The injector's state, mapped shared on first use. Look it up with dlsym(RTLD_DEFAULT). */
struct fault_state *fault_state(void);
/* A new run: counters to zero, and the call number TARGET_N of class TARGET (-1: none) to
 * fail. The relay (below) arms the injector around each call of the module. */
void fault_reset(int target, long target_n);
/* Starts counting (and failing) the calls of the calling thread; stops. */
void fault_arm(void);
void fault_disarm(void);
/* Counts one call of CLASS named NAME; returns 1 when it is the one to fail. */
int fault_hit(int fclass, const char *name);

/*
 * The injector is also the PAM module of the harness's service files, a relay:
 *   auth required libfaultinject.so module=/path/pam_secinfo.so config=... nullok
 * Its pam_sm_authenticate, pam_sm_acct_mgmt and pam_sm_chauthtok call the module's with the
 * remaining arguments, armed, and keep its exact code in module_rc: libpam dispatches them as
 * a module (pam_set_data works), and no stack control flag hides the code.
 */

#endif
