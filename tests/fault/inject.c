/*
 * The fault injector of tests/fault/test_fault (see there for the rules): preloaded before
 * pam_wrapper (after the ASan runtime in sanitizer builds), it interposes the functions that
 * the test build of the module, its plugin and the libraries they load call (the test build
 * links sqlite3, libsodium and liboath shared, so their entry points are interposable; the
 * installed module hides them). While the module runs (the relay at the end arms it around
 * each entry point, in the calling thread only) it counts the calls of each class and fails
 * the one numbered target_n of the target class, once: every other call goes through to the
 * real function (dlsym RTLD_NEXT: libc, pam_wrapper, ...). Test-only: a check_ library, never
 * installed.
 */
#include "config.h"

#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <libpq-fe.h>
#include <liboath/oath.h>
#include <openssl/bio.h>
#include <security/pam_modules.h>
#include <security/pam_ext.h>
#include <sodium.h>
#include <sqlite3.h>

#include "inject.h"

#define FAULT_EXPORT __attribute__((visibility("default")))

static struct fault_state *fault;
/* FAULT_TRACE set: every counted call on standard error (with the SQL of sqlite calls). */
static int fault_trace;
static const char *fault_trace_detail;
/* The thread that armed; calls of other threads (libcurl's resolver) are never counted. */
static __thread int fault_thread __attribute__((tls_model("initial-exec")));
/* Inside the injector itself: its own calls are not counted. */
static __thread int fault_busy __attribute__((tls_model("initial-exec")));
/* Inside libpq's PQconnectdbParams (inject.h: site_in_connect). */
static int fault_in_connect;

/* ---- finding the real functions -------------------------------------------------------------
 * dlsym may allocate: while it resolves, allocations come from a small static arena that free
 * never returns anywhere. */
static unsigned char fault_arena[8192] __attribute__((aligned(16)));
static size_t fault_arena_used;
static int fault_resolving;

static void *
fault_arena_alloc(size_t n)
{
	size_t want = (n + 15) & ~(size_t)15;
	void *p;

	if (want > sizeof(fault_arena) - fault_arena_used)
		return NULL;
	p = fault_arena + fault_arena_used;
	fault_arena_used += want;
	return p;
}

static int
fault_in_arena(const void *p)
{
	return (const unsigned char *)p >= fault_arena &&
	       (const unsigned char *)p < fault_arena + sizeof(fault_arena);
}

static Dl_info info_self;

/* A library that the module loaded with it (libsodium, liboath: dlopen keeps them out of the
 * global scope that RTLD_NEXT searches) and that defines the function. */
struct fault_lookup {
	const char *name;
	void *found;
};

static int
fault_lookup_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct fault_lookup *l = data;
	Dl_info where;
	void *h, *f;

	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0')
		return 0;
	h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
	if (h == NULL)
		return 0;
	f = dlsym(h, l->name);
	dlclose(h);
	/* Not this injector's own definition. */
	if (f != NULL && dladdr(f, &where) != 0 &&
	    dladdr((void *)fault_lookup_object, &info_self) &&
	    where.dli_fbase != info_self.dli_fbase) {
		l->found = f;
		return 1;
	}
	return 0;
}

static void *
fault_real(const char *name)
{
	struct fault_lookup lookup = {name, NULL};
	void *f;

	fault_resolving++;
	fault_busy++; /* what dlsym calls is not counted */
	f = dlsym(RTLD_NEXT, name);
	if (f == NULL && dl_iterate_phdr(fault_lookup_object, &lookup) == 1)
		f = lookup.found;
	fault_busy--;
	fault_resolving--;
	if (f == NULL) {
		static const char msg[] = "fault injector: no real function for ";
		ssize_t ignored = write(2, msg, sizeof(msg) - 1);
		ignored = write(2, name, strlen(name));
		ignored = write(2, "\n", 1);
		(void)ignored;
		abort();
	}
	return f;
}

/* REAL(fn): the real FN, resolved once. */
#define REAL(fn)                                                                                   \
	static __typeof__(fn) *real_##fn;                                                          \
	if (real_##fn == NULL)                                                                     \
		*(void **)&real_##fn = fault_real(#fn);

/* ---- the state ----------------------------------------------------------------------------- */
FAULT_EXPORT struct fault_state *
fault_state(void)
{
	if (fault == NULL) {
		void *p = mmap(NULL, sizeof(*fault), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			abort();
		fault = p;
		fault->target = -1;
		fault_trace = getenv("FAULT_TRACE") != NULL;
	}
	return fault;
}

FAULT_EXPORT void
fault_reset(int target, long target_n)
{
	struct fault_state *s = fault_state();

	memset(s->calls, 0, sizeof(s->calls));
	s->seq = s->injected_seq = s->last_read_seq = 0;
	s->reads = s->reads_at_injection = 0;
	s->injected_name[0] = '\0';
	s->target = target;
	s->target_n = target_n;
	s->paused = 0;
	s->armed = 0;
	s->module_rc = -1;
	s->module_calls = 0;
	s->n_sites = 0;
}

FAULT_EXPORT void
fault_arm(void)
{
	fault_thread = 1;
	fault_state()->armed = 1;
}

FAULT_EXPORT void
fault_disarm(void)
{
	if (fault != NULL)
		fault->armed = 0;
	fault_thread = 0;
}

/* A key of the current call stack: FAULT_SITE_DEPTH return addresses above the interposer. */
static __attribute__((noinline)) unsigned
fault_site(void)
{
	void *frames[FAULT_SITE_DEPTH + 3];
	unsigned key = 2166136261u;
	int n;

	fault_busy++;
	n = backtrace(frames, FAULT_SITE_DEPTH + 3);
	fault_busy--;
	for (int i = 3; i < n; i++) { /* 0: here, 1: fault_hit, 2: the interposer */
		uintptr_t a = (uintptr_t)frames[i];
		for (size_t b = 0; b < sizeof(a); b++, a >>= 8)
			key = (key ^ (unsigned)(a & 0xff)) * 16777619u;
	}
	return key;
}

/* Whether the current call stack passes through the test's software key (device_lo..hi). */
static __attribute__((noinline)) int
fault_from_device(const struct fault_state *s)
{
	void *frames[64];
	int n;

	fault_busy++;
	n = backtrace(frames, 64);
	fault_busy--;
	for (int i = 2; i < n; i++)
		if ((unsigned long)frames[i] >= s->device_lo &&
		    (unsigned long)frames[i] < s->device_hi)
			return 1;
	return 0;
}

FAULT_EXPORT __attribute__((noinline)) int
fault_hit(int fclass, const char *name)
{
	struct fault_state *s = fault;

	if (s == NULL || !s->armed || s->paused || !fault_thread || fault_busy)
		return 0;
	if (s->device_hi != 0 && fault_from_device(s))
		return 0;
	s->seq++;
	if (fclass == FAULT_MEM && s->record_sites && s->calls[FAULT_MEM] < FAULT_SITES_MAX) {
		s->sites[s->calls[FAULT_MEM]] = fault_site();
		s->site_in_connect[s->calls[FAULT_MEM]] = (unsigned char)fault_in_connect;
	}
	if (fault_trace) {
		char line[256];
		int len = snprintf(line, sizeof(line), "fault-trace %ld %d %s %.150s\n", s->seq,
				   fclass, name, fault_trace_detail ? fault_trace_detail : "");
		ssize_t ignored;
		fault_busy++; /* write is one of ours */
		ignored = write(2, line,
				len > 0 && (size_t)len < sizeof(line) ? (size_t)len
								      : sizeof(line) - 1);
		fault_busy--;
		(void)ignored;
	}
	fault_trace_detail = NULL;
	if (++s->calls[fclass] != s->target_n || fclass != s->target || s->injected_seq != 0)
		return 0;
	s->injected_seq = s->seq;
	s->reads_at_injection = s->reads;
	snprintf(s->injected_name, sizeof(s->injected_name), "%s", name);
	return 1;
}

/* ---- memory -------------------------------------------------------------------------------- */
FAULT_EXPORT void *
malloc(size_t n)
{
	static void *(*real)(size_t);

	if (real == NULL) {
		if (fault_resolving)
			return fault_arena_alloc(n);
		*(void **)&real = fault_real("malloc");
	}
	if (fault_hit(FAULT_MEM, "malloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return real(n);
}

FAULT_EXPORT void *
calloc(size_t n, size_t size)
{
	static void *(*real)(size_t, size_t);

	if (real == NULL) {
		if (fault_resolving)
			return n != 0 && size > SIZE_MAX / n ? NULL : fault_arena_alloc(n * size);
		*(void **)&real = fault_real("calloc");
	}
	if (fault_hit(FAULT_MEM, "calloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return real(n, size);
}

FAULT_EXPORT void *
realloc(void *p, size_t n)
{
	static void *(*real)(void *, size_t);

	if (real == NULL)
		*(void **)&real = fault_real("realloc");
	if (fault_in_arena(p)) {
		void *q = malloc(n);
		size_t room = (size_t)(fault_arena + sizeof(fault_arena) - (unsigned char *)p);
		if (q != NULL)
			memcpy(q, p, n < room ? n : room);
		return q;
	}
	if (fault_hit(FAULT_MEM, "realloc")) {
		errno = ENOMEM;
		return NULL;
	}
	return real(p, n);
}

FAULT_EXPORT void
free(void *p)
{
	static void (*real)(void *);

	if (p == NULL || fault_in_arena(p))
		return;
	if (real == NULL)
		*(void **)&real = fault_real("free");
	real(p);
}

FAULT_EXPORT char *
strdup(const char *s)
{
	REAL(strdup);
	if (fault_hit(FAULT_MEM, "strdup")) {
		errno = ENOMEM;
		return NULL;
	}
	return real_strdup(s);
}

FAULT_EXPORT char *
strndup(const char *s, size_t n)
{
	REAL(strndup);
	if (fault_hit(FAULT_MEM, "strndup")) {
		errno = ENOMEM;
		return NULL;
	}
	return real_strndup(s, n);
}

/* ---- files --------------------------------------------------------------------------------- */
#define FAULT_IO_FAIL(name)                                                                        \
	if (fault_hit(FAULT_IO, name)) {                                                           \
		errno = EIO;                                                                       \
		return -1;                                                                         \
	}

static mode_t
fault_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

FAULT_EXPORT int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open);
	va_start(ap, flags);
	mode = fault_mode(flags, ap);
	va_end(ap);
	FAULT_IO_FAIL("open");
	return real_open(path, flags, mode);
}

FAULT_EXPORT int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(open64);
	va_start(ap, flags);
	mode = fault_mode(flags, ap);
	va_end(ap);
	FAULT_IO_FAIL("open64");
	return real_open64(path, flags, mode);
}

FAULT_EXPORT int
openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat);
	va_start(ap, flags);
	mode = fault_mode(flags, ap);
	va_end(ap);
	FAULT_IO_FAIL("openat");
	return real_openat(dir, path, flags, mode);
}

FAULT_EXPORT int
openat64(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	REAL(openat64);
	va_start(ap, flags);
	mode = fault_mode(flags, ap);
	va_end(ap);
	FAULT_IO_FAIL("openat64");
	return real_openat64(dir, path, flags, mode);
}

FAULT_EXPORT ssize_t
read(int fd, void *buf, size_t n)
{
	REAL(read);
	FAULT_IO_FAIL("read");
	return real_read(fd, buf, n);
}

FAULT_EXPORT ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write);
	FAULT_IO_FAIL("write");
	return real_write(fd, buf, n);
}

FAULT_EXPORT ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	REAL(pread);
	FAULT_IO_FAIL("pread");
	return real_pread(fd, buf, n, off);
}

FAULT_EXPORT ssize_t
pread64(int fd, void *buf, size_t n, off64_t off)
{
	REAL(pread64);
	FAULT_IO_FAIL("pread64");
	return real_pread64(fd, buf, n, off);
}

FAULT_EXPORT ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	FAULT_IO_FAIL("pwrite");
	return real_pwrite(fd, buf, n, off);
}

FAULT_EXPORT ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64);
	FAULT_IO_FAIL("pwrite64");
	return real_pwrite64(fd, buf, n, off);
}

FAULT_EXPORT int
fstat(int fd, struct stat *st)
{
	REAL(fstat);
	FAULT_IO_FAIL("fstat");
	return real_fstat(fd, st);
}

FAULT_EXPORT int
fstat64(int fd, struct stat64 *st)
{
	REAL(fstat64);
	FAULT_IO_FAIL("fstat64");
	return real_fstat64(fd, st);
}

FAULT_EXPORT int
stat(const char *path, struct stat *st)
{
	REAL(stat);
	FAULT_IO_FAIL("stat");
	return real_stat(path, st);
}

FAULT_EXPORT int
lstat(const char *path, struct stat *st)
{
	REAL(lstat);
	FAULT_IO_FAIL("lstat");
	return real_lstat(path, st);
}

FAULT_EXPORT int
fsync(int fd)
{
	REAL(fsync);
	FAULT_IO_FAIL("fsync");
	return real_fsync(fd);
}

FAULT_EXPORT int
fdatasync(int fd)
{
	REAL(fdatasync);
	FAULT_IO_FAIL("fdatasync");
	return real_fdatasync(fd);
}

/* Whether the caller's return address ADDR lies in the object that defines FN. */
static int
fault_called_from(const void *addr, void *fn)
{
	Dl_info caller, callee;

	return dladdr(addr, &caller) != 0 && dladdr(fn, &callee) != 0 &&
	       caller.dli_fbase == callee.dli_fbase;
}

/* ---- sqlite ----------------------------------------------------------------------------------
 * Only the calls of the code around sqlite: sqlite3_exec runs its statements through the same
 * public functions, and a step failed there without running leaves the statement without an
 * error, so sqlite3_exec would report success for a COMMIT that never ran (a failure no real
 * sqlite makes). sqlite3_exec itself is failed as a whole instead. */
#define FAULT_FROM_SQLITE(fn) fault_called_from(__builtin_return_address(0), *(void **)&real_##fn)

FAULT_EXPORT int
sqlite3_open_v2(const char *path, sqlite3 **db, int flags, const char *vfs)
{
	REAL(sqlite3_open_v2);
	if (fault_hit(FAULT_SQLITE, "sqlite3_open_v2")) {
		*db = NULL;
		return SQLITE_CANTOPEN;
	}
	return real_sqlite3_open_v2(path, db, flags, vfs);
}

FAULT_EXPORT int
sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **stmt, const char **tail)
{
	REAL(sqlite3_prepare_v2);
	fault_trace_detail = sql;
	if (!FAULT_FROM_SQLITE(sqlite3_prepare_v2) &&
	    fault_hit(FAULT_SQLITE, "sqlite3_prepare_v2")) {
		*stmt = NULL;
		return SQLITE_IOERR;
	}
	return real_sqlite3_prepare_v2(db, sql, n, stmt, tail);
}

FAULT_EXPORT int
sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **stmt,
		   const char **tail)
{
	REAL(sqlite3_prepare_v3);
	if (!FAULT_FROM_SQLITE(sqlite3_prepare_v3) &&
	    fault_hit(FAULT_SQLITE, "sqlite3_prepare_v3")) {
		*stmt = NULL;
		return SQLITE_IOERR;
	}
	return real_sqlite3_prepare_v3(db, sql, n, flags, stmt, tail);
}

FAULT_EXPORT int
sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg,
	     char **errmsg)
{
	REAL(sqlite3_exec);
	fault_trace_detail = sql;
	if (fault_hit(FAULT_SQLITE, "sqlite3_exec")) {
		if (errmsg != NULL)
			*errmsg = NULL;
		return SQLITE_IOERR;
	}
	return real_sqlite3_exec(db, sql, cb, arg, errmsg);
}

/* ---- NULL columns ----------------------------------------------------------------------------
 * A damaged row: the Nth column that the code reads (a column counts once per row of its
 * statement, whichever sqlite3_column_* reads it, so the bytes and the blob of one column
 * agree) reads as SQL NULL for the rest of that row. */
struct fault_row {
	sqlite3_stmt *stmt;
	uint64_t seen; /* columns read in this row */
	int null_col;  /* the column read as NULL, or -1 */
};
static struct fault_row fault_rows[32];

static struct fault_row *
fault_row_of(sqlite3_stmt *stmt, int create)
{
	struct fault_row *free_slot = NULL;

	for (size_t i = 0; i < sizeof(fault_rows) / sizeof(fault_rows[0]); i++) {
		if (fault_rows[i].stmt == stmt)
			return &fault_rows[i];
		if (fault_rows[i].stmt == NULL && free_slot == NULL)
			free_slot = &fault_rows[i];
	}
	if (create && free_slot != NULL) {
		free_slot->stmt = stmt;
		free_slot->seen = 0;
		free_slot->null_col = -1;
	}
	return create ? free_slot : NULL;
}

/* A new row (or none) for STMT: forget what was read. */
static void
fault_row_end(sqlite3_stmt *stmt)
{
	struct fault_row *r = fault_row_of(stmt, 0);

	if (r != NULL)
		r->stmt = NULL;
}

/* Columns where NULL is a value the schema gives meaning to ("not locked", "no default",
 * "never used"): NULL there is no damage, and the PAM tests cover it. */
static int
fault_column_nullable(sqlite3_stmt *stmt, int col)
{
	static const char *(*origin)(sqlite3_stmt *, int);
	static const char *const meaningful[] = {"locked_until", "default_method", "last_used"};
	const char *name;

	if (origin == NULL)
		*(void **)&origin = fault_real("sqlite3_column_origin_name");
	fault_busy++;
	name = origin(stmt, col);
	fault_busy--;
	fault_trace_detail = name;
	for (size_t i = 0; name != NULL && i < sizeof(meaningful) / sizeof(meaningful[0]); i++)
		if (strcmp(name, meaningful[i]) == 0)
			return 1;
	return 0;
}

/* Whether column COL of STMT's current row reads as NULL. */
static int
fault_column_null(sqlite3_stmt *stmt, int col, const char *name, int from_sqlite)
{
	struct fault_row *r;

	if (fault == NULL || !fault->armed || !fault_thread || fault_busy || col < 0 || col > 63)
		return 0;
	if (from_sqlite) /* sqlite reading its own schema */
		return 0;
	r = fault_row_of(stmt, 1);
	if (r == NULL)
		return 0;
	if (!(r->seen & ((uint64_t)1 << col))) {
		r->seen |= (uint64_t)1 << col;
		if (!fault_column_nullable(stmt, col) && fault_hit(FAULT_NULL, name))
			r->null_col = col;
	}
	return r->null_col == col;
}

FAULT_EXPORT int
sqlite3_step(sqlite3_stmt *stmt)
{
	long seq;
	int rc;

	REAL(sqlite3_step);
	fault_row_end(stmt);
	if (FAULT_FROM_SQLITE(sqlite3_step))
		return real_sqlite3_step(stmt);
	if (fault_trace > 0) {
		static const char *(*sql_of)(sqlite3_stmt *);
		if (sql_of == NULL)
			*(void **)&sql_of = fault_real("sqlite3_sql");
		fault_trace_detail = sql_of(stmt);
	}
	if (fault_hit(FAULT_SQLITE, "sqlite3_step"))
		return SQLITE_IOERR;
	seq = fault != NULL ? fault->seq : 0;
	rc = real_sqlite3_step(stmt);
	if (fault != NULL && fault->armed && fault_thread && !fault_busy &&
	    (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
		static int (*readonly)(sqlite3_stmt *);
		if (readonly == NULL)
			*(void **)&readonly = fault_real("sqlite3_stmt_readonly");
		if (readonly(stmt))
			fault->last_read_seq = seq;
	}
	return rc;
}

FAULT_EXPORT int
sqlite3_reset(sqlite3_stmt *stmt)
{
	REAL(sqlite3_reset);
	fault_row_end(stmt);
	return real_sqlite3_reset(stmt);
}

FAULT_EXPORT int
sqlite3_finalize(sqlite3_stmt *stmt)
{
	REAL(sqlite3_finalize);
	fault_row_end(stmt);
	return real_sqlite3_finalize(stmt);
}

FAULT_EXPORT const unsigned char *
sqlite3_column_text(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_text);
	return fault_column_null(stmt, col, "sqlite3_column_text",
				 FAULT_FROM_SQLITE(sqlite3_column_text))
		       ? NULL
		       : real_sqlite3_column_text(stmt, col);
}

FAULT_EXPORT const void *
sqlite3_column_blob(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_blob);
	return fault_column_null(stmt, col, "sqlite3_column_blob",
				 FAULT_FROM_SQLITE(sqlite3_column_blob))
		       ? NULL
		       : real_sqlite3_column_blob(stmt, col);
}

FAULT_EXPORT int
sqlite3_column_bytes(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_bytes);
	return fault_column_null(stmt, col, "sqlite3_column_bytes",
				 FAULT_FROM_SQLITE(sqlite3_column_bytes))
		       ? 0
		       : real_sqlite3_column_bytes(stmt, col);
}

FAULT_EXPORT int
sqlite3_column_type(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_type);
	return fault_column_null(stmt, col, "sqlite3_column_type",
				 FAULT_FROM_SQLITE(sqlite3_column_type))
		       ? SQLITE_NULL
		       : real_sqlite3_column_type(stmt, col);
}

FAULT_EXPORT int
sqlite3_column_int(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_int);
	return fault_column_null(stmt, col, "sqlite3_column_int",
				 FAULT_FROM_SQLITE(sqlite3_column_int))
		       ? 0
		       : real_sqlite3_column_int(stmt, col);
}

FAULT_EXPORT sqlite3_int64
sqlite3_column_int64(sqlite3_stmt *stmt, int col)
{
	REAL(sqlite3_column_int64);
	return fault_column_null(stmt, col, "sqlite3_column_int64",
				 FAULT_FROM_SQLITE(sqlite3_column_int64))
		       ? 0
		       : real_sqlite3_column_int64(stmt, col);
}

/* ---- libpq ------------------------------------------------------------------------------------
 * The calls of the store's PostgreSQL path (libsecinfo/store_pg.c; the test build links libpq
 * shared), each failed the way libpq documents its failure. libpq's calls to its own API (the
 * connect's check of target_session_attrs reads a result itself) are neither counted nor
 * failed, as sqlite's inside sqlite3_exec. */
#define FAULT_FROM_LIBPQ(fn) fault_called_from(__builtin_return_address(0), *(void **)&real_##fn)

/* Whether the statement last sent only reads (a SELECT): its result coming back whole is a read
 * that worked (inject.h: last_read_seq), as a sqlite step of a read-only statement is. */
static int fault_pq_readonly;
/* The object whose code waits on libpq's socket (the caller of PQsocket: the store): its
 * poll() is of the pq class; libcurl's and libpq's own are not. */
static void *fault_pq_waiter;
/* The calls of a statement's wait (PQsocket, PQflush, PQconsumeInput, poll) already counted
 * since it was sent: each is counted (and failed) once per statement. The wait repeats them as
 * the answer arrives, through the same code, and how often depends on when it arrives; counted
 * once, the Nth call of the class is the same call in every run. */
#define FAULT_PQ_SOCKET  1u
#define FAULT_PQ_FLUSH   2u
#define FAULT_PQ_CONSUME 4u
#define FAULT_PQ_POLL    8u
static unsigned fault_pq_waited;

static int
fault_pq_wait_hit(unsigned call, const char *name)
{
	if (fault_pq_waited & call)
		return 0;
	fault_pq_waited |= call;
	return fault_hit(FAULT_PQ, name);
}

static int
fault_pq_select(const char *sql)
{
	while (sql != NULL && (*sql == ' ' || *sql == '\t' || *sql == '\n'))
		sql++;
	return sql != NULL && strncasecmp(sql, "SELECT", 6) == 0;
}

/*
 * libpq's own crash, not injected: its TLS setup (PostgreSQL 15, fe-secure-openssl.c,
 * my_SSL_set_fd) ignores what BIO_set_ex_data returns, and its socket callbacks then read the
 * connection back as NULL and crash when that call could not allocate. No caller of
 * PQconnectdbParams can prevent it, so the memory calls of libpq's BIO_set_ex_data are neither
 * counted nor failed (found by this harness: mem call 2404 of app-right crashed in
 * my_sock_write).
 */
static void *fault_libpq_fn; /* a function of libpq, once PQconnectdbParams was called */

FAULT_EXPORT int
BIO_set_ex_data(BIO *bio, int idx, void *data)
{
	int rc;

	REAL(BIO_set_ex_data);
	if (fault_libpq_fn == NULL ||
	    !fault_called_from(__builtin_return_address(0), fault_libpq_fn))
		return real_BIO_set_ex_data(bio, idx, data);
	fault_busy++;
	rc = real_BIO_set_ex_data(bio, idx, data);
	fault_busy--;
	return rc;
}

FAULT_EXPORT PQconninfoOption *
PQconndefaults(void)
{
	REAL(PQconndefaults);
	if (!FAULT_FROM_LIBPQ(PQconndefaults) && fault_hit(FAULT_PQ, "PQconndefaults"))
		return NULL; /* out of memory */
	return real_PQconndefaults();
}

FAULT_EXPORT PGconn *
PQconnectdbParams(const char *const *keywords, const char *const *values, int expand_dbname)
{
	/* A connection that failed at once, without the network: libpq refuses the sslmode. */
	static const char *const bad_keywords[] = {"host", "sslmode", NULL};
	static const char *const bad_values[] = {"/nonexistent", "fault-injected", NULL};
	PGconn *conn;

	REAL(PQconnectdbParams);
	fault_libpq_fn = *(void **)&real_PQconnectdbParams;
	/* Two ways to fail, two injection points: NULL (libpq could not allocate), and a
	 * connection in CONNECTION_BAD (the server cannot be reached or refuses us). */
	if (fault_hit(FAULT_PQ, "PQconnectdbParams (NULL)"))
		return NULL;
	if (fault_hit(FAULT_PQ, "PQconnectdbParams (CONNECTION_BAD)")) {
		fault_busy++;
		conn = real_PQconnectdbParams(bad_keywords, bad_values, 0);
		fault_busy--;
		return conn;
	}
	fault_in_connect = 1;
	conn = real_PQconnectdbParams(keywords, values, expand_dbname);
	fault_in_connect = 0;
	return conn;
}

FAULT_EXPORT ConnStatusType
PQstatus(const PGconn *conn)
{
	REAL(PQstatus);
	if (!FAULT_FROM_LIBPQ(PQstatus) && fault_hit(FAULT_PQ, "PQstatus"))
		return CONNECTION_BAD;
	return real_PQstatus(conn);
}

FAULT_EXPORT PGTransactionStatusType
PQtransactionStatus(const PGconn *conn)
{
	REAL(PQtransactionStatus);
	if (!FAULT_FROM_LIBPQ(PQtransactionStatus) && fault_hit(FAULT_PQ, "PQtransactionStatus"))
		return PQTRANS_UNKNOWN; /* a bad connection */
	return real_PQtransactionStatus(conn);
}

FAULT_EXPORT int
PQsetnonblocking(PGconn *conn, int arg)
{
	REAL(PQsetnonblocking);
	if (!FAULT_FROM_LIBPQ(PQsetnonblocking) && fault_hit(FAULT_PQ, "PQsetnonblocking"))
		return -1;
	return real_PQsetnonblocking(conn, arg);
}

FAULT_EXPORT int
PQsendQuery(PGconn *conn, const char *query)
{
	REAL(PQsendQuery);
	if (FAULT_FROM_LIBPQ(PQsendQuery))
		return real_PQsendQuery(conn, query);
	fault_trace_detail = query;
	fault_pq_readonly = 0; /* BEGIN, COMMIT, the schema's scripts */
	fault_pq_waited = 0;
	if (fault_hit(FAULT_PQ, "PQsendQuery"))
		return 0;
	return real_PQsendQuery(conn, query);
}

FAULT_EXPORT int
PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		  const char *const *paramValues, const int *paramLengths, const int *paramFormats,
		  int resultFormat)
{
	REAL(PQsendQueryParams);
	if (FAULT_FROM_LIBPQ(PQsendQueryParams))
		return real_PQsendQueryParams(conn, command, nParams, paramTypes, paramValues,
					      paramLengths, paramFormats, resultFormat);
	fault_trace_detail = command;
	fault_pq_readonly = fault_pq_select(command);
	fault_pq_waited = 0;
	if (fault_hit(FAULT_PQ, "PQsendQueryParams"))
		return 0;
	return real_PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
				      paramFormats, resultFormat);
}

FAULT_EXPORT int
PQflush(PGconn *conn)
{
	REAL(PQflush);
	if (!FAULT_FROM_LIBPQ(PQflush) && fault_pq_wait_hit(FAULT_PQ_FLUSH, "PQflush"))
		return -1;
	return real_PQflush(conn);
}

FAULT_EXPORT int
PQconsumeInput(PGconn *conn)
{
	REAL(PQconsumeInput);
	if (!FAULT_FROM_LIBPQ(PQconsumeInput) &&
	    fault_pq_wait_hit(FAULT_PQ_CONSUME, "PQconsumeInput"))
		return 0;
	return real_PQconsumeInput(conn);
}

FAULT_EXPORT int
PQsocket(const PGconn *conn)
{
	REAL(PQsocket);
	if (FAULT_FROM_LIBPQ(PQsocket))
		return real_PQsocket(conn);
	{
		Dl_info caller;
		if (dladdr(__builtin_return_address(0), &caller) != 0)
			fault_pq_waiter = caller.dli_fbase;
	}
	if (fault_pq_wait_hit(FAULT_PQ_SOCKET, "PQsocket"))
		return -1; /* no connection open */
	return real_PQsocket(conn);
}

FAULT_EXPORT int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	Dl_info caller;

	REAL(poll);
	if (fault_pq_waiter != NULL && dladdr(__builtin_return_address(0), &caller) != 0 &&
	    caller.dli_fbase == fault_pq_waiter &&
	    fault_pq_wait_hit(FAULT_PQ_POLL, "poll (on libpq's socket)")) {
		errno = ENOMEM;
		return -1;
	}
	return real_poll(fds, nfds, timeout);
}

/* A damaged row, as for sqlite (above): the Nth column the store reads of a result's row
 * (PQgetisnull, PQgetvalue and PQgetlength of one column count once) reads as NULL for the
 * rest of that row. */
struct fault_pq_row {
	const PGresult *res;
	int row;
	uint64_t seen;
	int null_col;
};
static struct fault_pq_row fault_pq_rows[32];

static int
fault_pq_column_null(const PGresult *res, int row, int col, const char *name, int from_libpq)
{
	static const char *const meaningful[] = {"locked_until", "default_method", "last_used"};
	struct fault_pq_row *r = NULL, *free_slot = NULL;
	const char *column;
	int nullable = 0;

	if (fault == NULL || !fault->armed || !fault_thread || fault_busy || from_libpq ||
	    col < 0 || col > 63)
		return 0;
	for (size_t i = 0; r == NULL && i < sizeof(fault_pq_rows) / sizeof(fault_pq_rows[0]); i++) {
		if (fault_pq_rows[i].res == res && fault_pq_rows[i].row == row)
			r = &fault_pq_rows[i];
		else if (fault_pq_rows[i].res == NULL && free_slot == NULL)
			free_slot = &fault_pq_rows[i];
	}
	if (r == NULL) {
		if (free_slot == NULL)
			return 0;
		r = free_slot;
		r->res = res;
		r->row = row;
		r->seen = 0;
		r->null_col = -1;
	}
	if (!(r->seen & ((uint64_t)1 << col))) {
		r->seen |= (uint64_t)1 << col;
		/* NULL where the schema gives it a meaning is no damage (sqlite's list) */
		static __typeof__(PQfname) *fname;
		if (fname == NULL)
			*(void **)&fname = fault_real("PQfname");
		column = fname(res, col);
		fault_trace_detail = column;
		for (size_t i = 0; column != NULL && i < sizeof(meaningful) / sizeof(meaningful[0]);
		     i++)
			nullable |= strcmp(column, meaningful[i]) == 0;
		if (!nullable && fault_hit(FAULT_NULL, name))
			r->null_col = col;
	}
	return r->null_col == col;
}

FAULT_EXPORT int
PQgetisnull(const PGresult *res, int row, int col)
{
	REAL(PQgetisnull);
	return fault_pq_column_null(res, row, col, "PQgetisnull", FAULT_FROM_LIBPQ(PQgetisnull))
		       ? 1
		       : real_PQgetisnull(res, row, col);
}

FAULT_EXPORT char *
PQgetvalue(const PGresult *res, int row, int col)
{
	static char empty[1]; /* libpq's value of a NULL */

	REAL(PQgetvalue);
	return fault_pq_column_null(res, row, col, "PQgetvalue", FAULT_FROM_LIBPQ(PQgetvalue))
		       ? empty
		       : real_PQgetvalue(res, row, col);
}

FAULT_EXPORT int
PQgetlength(const PGresult *res, int row, int col)
{
	REAL(PQgetlength);
	return fault_pq_column_null(res, row, col, "PQgetlength", FAULT_FROM_LIBPQ(PQgetlength))
		       ? 0
		       : real_PQgetlength(res, row, col);
}

FAULT_EXPORT void
PQclear(PGresult *res)
{
	REAL(PQclear);
	for (size_t i = 0; res != NULL && i < sizeof(fault_pq_rows) / sizeof(fault_pq_rows[0]); i++)
		if (fault_pq_rows[i].res == res)
			fault_pq_rows[i].res = NULL;
	real_PQclear(res);
}

FAULT_EXPORT PGresult *
PQgetResult(PGconn *conn)
{
	static __typeof__(PQresultStatus) *status;
	PGresult *res;

	REAL(PQgetResult);
	if (FAULT_FROM_LIBPQ(PQgetResult))
		return real_PQgetResult(conn);
	if (fault_hit(FAULT_PQ, "PQgetResult (PGRES_FATAL_ERROR)")) {
		static __typeof__(PQmakeEmptyPGresult) *make;
		/* The statement failed: an error ends what the server answers to a query string,
		 * so the results still to come (if any) are read and dropped. */
		fault_busy++;
		if (make == NULL)
			*(void **)&make = fault_real("PQmakeEmptyPGresult");
		while ((res = real_PQgetResult(conn)) != NULL)
			PQclear(res);
		res = make(conn, PGRES_FATAL_ERROR);
		fault_busy--;
		return res;
	}
	res = real_PQgetResult(conn);
	if (status == NULL)
		*(void **)&status = fault_real("PQresultStatus");
	if (fault != NULL && fault->armed && fault_thread && !fault_busy && fault_pq_readonly &&
	    res != NULL && status(res) == PGRES_TUPLES_OK) {
		fault->last_read_seq = fault->seq;
		fault->reads++;
	}
	return res;
}

/* ---- libsodium ----------------------------------------------------------------------------- */
#define FAULT_SODIUM_FAIL(name, value)                                                             \
	if (fault_hit(FAULT_SODIUM, name))                                                         \
		return value;

FAULT_EXPORT int
sodium_init(void)
{
	REAL(sodium_init);
	FAULT_SODIUM_FAIL("sodium_init", -1);
	return real_sodium_init();
}

FAULT_EXPORT void *
sodium_malloc(size_t n)
{
	REAL(sodium_malloc);
	FAULT_SODIUM_FAIL("sodium_malloc", NULL);
	return real_sodium_malloc(n);
}

FAULT_EXPORT int
crypto_aead_xchacha20poly1305_ietf_encrypt(unsigned char *c, unsigned long long *clen_p,
					   const unsigned char *m, unsigned long long mlen,
					   const unsigned char *ad, unsigned long long adlen,
					   const unsigned char *nsec, const unsigned char *npub,
					   const unsigned char *k)
{
	REAL(crypto_aead_xchacha20poly1305_ietf_encrypt);
	FAULT_SODIUM_FAIL("crypto_aead_xchacha20poly1305_ietf_encrypt", -1);
	return real_crypto_aead_xchacha20poly1305_ietf_encrypt(c, clen_p, m, mlen, ad, adlen, nsec,
							       npub, k);
}

FAULT_EXPORT int
crypto_aead_xchacha20poly1305_ietf_decrypt(unsigned char *m, unsigned long long *mlen_p,
					   unsigned char *nsec, const unsigned char *c,
					   unsigned long long clen, const unsigned char *ad,
					   unsigned long long adlen, const unsigned char *npub,
					   const unsigned char *k)
{
	REAL(crypto_aead_xchacha20poly1305_ietf_decrypt);
	FAULT_SODIUM_FAIL("crypto_aead_xchacha20poly1305_ietf_decrypt", -1);
	return real_crypto_aead_xchacha20poly1305_ietf_decrypt(m, mlen_p, nsec, c, clen, ad, adlen,
							       npub, k);
}

FAULT_EXPORT int
crypto_generichash_init(crypto_generichash_state *state, const unsigned char *key,
			const size_t keylen, const size_t outlen)
{
	REAL(crypto_generichash_init);
	FAULT_SODIUM_FAIL("crypto_generichash_init", -1);
	return real_crypto_generichash_init(state, key, keylen, outlen);
}

FAULT_EXPORT int
crypto_generichash_update(crypto_generichash_state *state, const unsigned char *in,
			  unsigned long long inlen)
{
	REAL(crypto_generichash_update);
	FAULT_SODIUM_FAIL("crypto_generichash_update", -1);
	return real_crypto_generichash_update(state, in, inlen);
}

FAULT_EXPORT int
crypto_generichash_final(crypto_generichash_state *state, unsigned char *out, const size_t outlen)
{
	REAL(crypto_generichash_final);
	FAULT_SODIUM_FAIL("crypto_generichash_final", -1);
	return real_crypto_generichash_final(state, out, outlen);
}

FAULT_EXPORT int
crypto_kdf_derive_from_key(unsigned char *subkey, size_t subkey_len, uint64_t subkey_id,
			   const char ctx[crypto_kdf_CONTEXTBYTES],
			   const unsigned char key[crypto_kdf_KEYBYTES])
{
	REAL(crypto_kdf_derive_from_key);
	FAULT_SODIUM_FAIL("crypto_kdf_derive_from_key", -1);
	return real_crypto_kdf_derive_from_key(subkey, subkey_len, subkey_id, ctx, key);
}

FAULT_EXPORT int
crypto_pwhash_str(char out[crypto_pwhash_STRBYTES], const char *const passwd,
		  unsigned long long passwdlen, unsigned long long opslimit, size_t memlimit)
{
	REAL(crypto_pwhash_str);
	FAULT_SODIUM_FAIL("crypto_pwhash_str", -1);
	return real_crypto_pwhash_str(out, passwd, passwdlen, opslimit, memlimit);
}

FAULT_EXPORT int
crypto_pwhash_str_verify(const char str[crypto_pwhash_STRBYTES], const char *const passwd,
			 unsigned long long passwdlen)
{
	REAL(crypto_pwhash_str_verify);
	FAULT_SODIUM_FAIL("crypto_pwhash_str_verify", -1);
	return real_crypto_pwhash_str_verify(str, passwd, passwdlen);
}

FAULT_EXPORT char *
sodium_bin2hex(char *const hex, const size_t hex_maxlen, const unsigned char *const bin,
	       const size_t bin_len)
{
	REAL(sodium_bin2hex);
	FAULT_SODIUM_FAIL("sodium_bin2hex", NULL);
	return real_sodium_bin2hex(hex, hex_maxlen, bin, bin_len);
}

FAULT_EXPORT char *
sodium_bin2base64(char *const b64, const size_t b64_maxlen, const unsigned char *const bin,
		  const size_t bin_len, const int variant)
{
	REAL(sodium_bin2base64);
	FAULT_SODIUM_FAIL("sodium_bin2base64", NULL);
	return real_sodium_bin2base64(b64, b64_maxlen, bin, bin_len, variant);
}

FAULT_EXPORT int
sodium_memcmp(const void *const b1, const void *const b2, size_t len)
{
	REAL(sodium_memcmp);
	/* libsodium's own use, the canary check of sodium_free: a "different" there is memory
	 * corruption, which it answers with a deliberate crash; not a failure to inject. */
	if (fault_called_from(__builtin_return_address(0), *(void **)&real_sodium_memcmp))
		return real_sodium_memcmp(b1, b2, len);
	FAULT_SODIUM_FAIL("sodium_memcmp", -1);
	return real_sodium_memcmp(b1, b2, len);
}

/* ---- liboath ------------------------------------------------------------------------------- */
FAULT_EXPORT int
oath_init(void)
{
	REAL(oath_init);
	if (fault_hit(FAULT_OATH, "oath_init"))
		return OATH_CRYPTO_ERROR;
	return real_oath_init();
}

FAULT_EXPORT int
oath_totp_generate2(const char *secret, size_t secret_length, time_t now, unsigned time_step_size,
		    time_t start_offset, unsigned digits, int flags, char *output_otp)
{
	REAL(oath_totp_generate2);
	if (fault_hit(FAULT_OATH, "oath_totp_generate2"))
		return OATH_CRYPTO_ERROR;
	return real_oath_totp_generate2(secret, secret_length, now, time_step_size, start_offset,
					digits, flags, output_otp);
}

FAULT_EXPORT int
oath_hotp_generate(const char *secret, size_t secret_length, uint64_t moving_factor,
		   unsigned digits, bool add_checksum, size_t truncation_offset, char *output_otp)
{
	REAL(oath_hotp_generate);
	if (fault_hit(FAULT_OATH, "oath_hotp_generate"))
		return OATH_CRYPTO_ERROR;
	return real_oath_hotp_generate(secret, secret_length, moving_factor, digits, add_checksum,
				       truncation_offset, output_otp);
}

FAULT_EXPORT int
oath_base32_decode(const char *in, size_t inlen, char **out, size_t *outlen)
{
	REAL(oath_base32_decode);
	if (fault_hit(FAULT_OATH, "oath_base32_decode"))
		return OATH_MALLOC_ERROR;
	return real_oath_base32_decode(in, inlen, out, outlen);
}

/* ---- libfido2 ----------------------------------------------------------------------------
 * The calls of the security key's plugin (fido/fido.c; the test build links libfido2 shared, and
 * the plugin, loaded RTLD_LOCAL, finds these definitions first): what fails returns what
 * libfido2 returns on failure; what a broken or hostile key could answer is answered wrong
 * (no flags, a signature counter of 0, no credential id, one assertion fewer). */
#define FAULT_FIDO_INT(name, params, args)                                                         \
	FAULT_EXPORT int name params                                                               \
	{                                                                                          \
		REAL(name);                                                                        \
		if (fault_hit(FAULT_FIDO, #name))                                                  \
			return FIDO_ERR_INTERNAL;                                                  \
		return real_##name args;                                                           \
	}
#define FAULT_FIDO_NEW(type, name)                                                                 \
	FAULT_EXPORT type *name(void)                                                              \
	{                                                                                          \
		REAL(name);                                                                        \
		if (fault_hit(FAULT_FIDO, #name))                                                  \
			return NULL;                                                               \
		return real_##name();                                                              \
	}

FAULT_FIDO_NEW(fido_dev_t, fido_dev_new)
FAULT_FIDO_NEW(fido_assert_t, fido_assert_new)
FAULT_FIDO_NEW(fido_cred_t, fido_cred_new)
FAULT_FIDO_NEW(fido_cbor_info_t, fido_cbor_info_new)
FAULT_FIDO_NEW(es256_pk_t, es256_pk_new)
FAULT_FIDO_NEW(eddsa_pk_t, eddsa_pk_new)
FAULT_FIDO_NEW(rs256_pk_t, rs256_pk_new)

FAULT_EXPORT fido_dev_info_t *
fido_dev_info_new(size_t n)
{
	REAL(fido_dev_info_new);
	if (fault_hit(FAULT_FIDO, "fido_dev_info_new"))
		return NULL;
	return real_fido_dev_info_new(n);
}

FAULT_FIDO_INT(fido_dev_info_manifest, (fido_dev_info_t * list, size_t max, size_t *n),
	       (list, max, n))
FAULT_FIDO_INT(fido_dev_open, (fido_dev_t * dev, const char *path), (dev, path))
FAULT_FIDO_INT(fido_dev_set_timeout, (fido_dev_t * dev, int ms), (dev, ms))
FAULT_FIDO_INT(fido_dev_get_cbor_info, (fido_dev_t * dev, fido_cbor_info_t *info), (dev, info))
FAULT_FIDO_INT(fido_dev_get_assert, (fido_dev_t * dev, fido_assert_t *assert, const char *pin),
	       (dev, assert, pin))
FAULT_FIDO_INT(fido_dev_make_cred, (fido_dev_t * dev, fido_cred_t *cred, const char *pin),
	       (dev, cred, pin))
FAULT_FIDO_INT(fido_assert_set_rp, (fido_assert_t * assert, const char *id), (assert, id))
FAULT_FIDO_INT(fido_assert_set_clientdata_hash,
	       (fido_assert_t * assert, const unsigned char *hash, size_t len), (assert, hash, len))
FAULT_FIDO_INT(fido_assert_allow_cred,
	       (fido_assert_t * assert, const unsigned char *id, size_t len), (assert, id, len))
FAULT_FIDO_INT(fido_assert_set_up, (fido_assert_t * assert, fido_opt_t up), (assert, up))
FAULT_FIDO_INT(fido_assert_set_uv, (fido_assert_t * assert, fido_opt_t uv), (assert, uv))
FAULT_FIDO_INT(fido_assert_verify,
	       (const fido_assert_t *assert, size_t idx, int alg, const void *pk),
	       (assert, idx, alg, pk))
FAULT_FIDO_INT(es256_pk_from_ptr, (es256_pk_t * pk, const void *ptr, size_t len), (pk, ptr, len))
FAULT_FIDO_INT(eddsa_pk_from_ptr, (eddsa_pk_t * pk, const void *ptr, size_t len), (pk, ptr, len))
FAULT_FIDO_INT(rs256_pk_from_ptr, (rs256_pk_t * pk, const void *ptr, size_t len), (pk, ptr, len))

FAULT_EXPORT const char *
fido_dev_info_path(const fido_dev_info_t *info)
{
	REAL(fido_dev_info_path);
	if (fault_hit(FAULT_FIDO, "fido_dev_info_path"))
		return NULL;
	return real_fido_dev_info_path(info);
}

FAULT_EXPORT size_t
fido_assert_count(const fido_assert_t *assert)
{
	REAL(fido_assert_count);
	if (fault_hit(FAULT_FIDO, "fido_assert_count"))
		return 0;
	return real_fido_assert_count(assert);
}

FAULT_EXPORT const unsigned char *
fido_assert_id_ptr(const fido_assert_t *assert, size_t idx)
{
	REAL(fido_assert_id_ptr);
	if (fault_hit(FAULT_FIDO, "fido_assert_id_ptr"))
		return NULL;
	return real_fido_assert_id_ptr(assert, idx);
}

FAULT_EXPORT uint8_t
fido_assert_flags(const fido_assert_t *assert, size_t idx)
{
	REAL(fido_assert_flags);
	if (fault_hit(FAULT_FIDO, "fido_assert_flags"))
		return 0;
	return real_fido_assert_flags(assert, idx);
}

FAULT_EXPORT uint32_t
fido_assert_sigcount(const fido_assert_t *assert, size_t idx)
{
	REAL(fido_assert_sigcount);
	if (fault_hit(FAULT_FIDO, "fido_assert_sigcount"))
		return 0;
	return real_fido_assert_sigcount(assert, idx);
}

FAULT_EXPORT bool
fido_dev_has_pin(const fido_dev_t *dev)
{
	REAL(fido_dev_has_pin);
	if (fault_hit(FAULT_FIDO, "fido_dev_has_pin"))
		return false;
	return real_fido_dev_has_pin(dev);
}

/* ---- PAM ----------------------------------------------------------------------------------- */
FAULT_EXPORT int
pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
	REAL(pam_get_item);
	if (fault_hit(FAULT_PAM, "pam_get_item"))
		return PAM_SYSTEM_ERR;
	return real_pam_get_item(pamh, item_type, item);
}

FAULT_EXPORT int
pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt)
{
	REAL(pam_get_user);
	if (fault_hit(FAULT_PAM, "pam_get_user"))
		return PAM_SYSTEM_ERR;
	return real_pam_get_user(pamh, user, prompt);
}

FAULT_EXPORT int
pam_get_data(const pam_handle_t *pamh, const char *name, const void **data)
{
	REAL(pam_get_data);
	if (fault_hit(FAULT_PAM, "pam_get_data"))
		return PAM_SYSTEM_ERR;
	return real_pam_get_data(pamh, name, data);
}

FAULT_EXPORT int
pam_set_data(pam_handle_t *pamh, const char *name, void *data,
	     void (*cleanup)(pam_handle_t *pamh, void *data, int error_status))
{
	REAL(pam_set_data);
	if (fault_hit(FAULT_PAM, "pam_set_data"))
		return PAM_SYSTEM_ERR;
	return real_pam_set_data(pamh, name, data, cleanup);
}

/* ---- the relay (inject.h) ------------------------------------------------------------------ */
typedef int (*fault_entry_fn)(pam_handle_t *, int, int, const char **);

static int
fault_relay(const char *entry, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct fault_state *s = fault_state();
	fault_entry_fn fn = NULL;
	void *module;
	int rc;

	if (argc < 1 || strncmp(argv[0], "module=", 7) != 0)
		return PAM_SERVICE_ERR;
	module = dlopen(argv[0] + 7, RTLD_NOW);
	if (module == NULL)
		return PAM_SERVICE_ERR;
	*(void **)&fn = dlsym(module, entry);
	if (fn == NULL) {
		dlclose(module);
		return PAM_SERVICE_ERR;
	}
	s->module_calls++;
	fault_arm();
	rc = fn(pamh, flags, argc - 1, argv + 1);
	fault_disarm();
	dlclose(module);
	/* The first failure is the outcome (chauthtok calls the module twice). */
	if (s->module_rc == -1 || s->module_rc == PAM_SUCCESS)
		s->module_rc = rc;
	return rc;
}

FAULT_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return fault_relay("pam_sm_authenticate", pamh, flags, argc, argv);
}

FAULT_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return fault_relay("pam_sm_acct_mgmt", pamh, flags, argc, argv);
}

FAULT_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return fault_relay("pam_sm_chauthtok", pamh, flags, argc, argv);
}

FAULT_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return fault_relay("pam_sm_setcred", pamh, flags, argc, argv);
}
