/*
 * secinfo: the memory allocator of the module's own copy of sqlite.
 *
 * Debian's sqlite is built without lookaside memory (SQLITE_OMIT_LOOKASIDE), so every object
 * it makes is a malloc and a free: a sign-in opens a connection, parses the schema into about
 * a thousand small objects, runs a few statements and closes, and glibc's malloc and free were
 * a sixth of its instructions (bench/README.md). Here sqlite takes its memory from 64 KB
 * chunks, block after block; a chunk is given back when its last block is freed (the
 * current chunk is reused from its start instead), so that closing the connection returns
 * everything. Blocks larger than an eighth of a chunk (the page cache's bulk allocation) come
 * from malloc. Only the module uses it (SECINFO_PRIVATE_SQLITE: sqlite linked into
 * pam_secinfo.so), where no one else shares that sqlite; never a process-wide libsqlite3, which
 * would keep calling it after the module is unloaded. Under AddressSanitizer sqlite keeps
 * malloc, which the sanitizer checks.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_sql.h"

#if defined(SECINFO_PRIVATE_SQLITE) && !defined(__SANITIZE_ADDRESS__)

#define SECINFO_MEM_CHUNK (64 * 1024)
#define SECINFO_MEM_BIG   (SECINFO_MEM_CHUNK / 8)

struct secinfo_mem_chunk {
	size_t used;  /* bytes from the chunk's start, this header included */
	size_t live;  /* blocks not yet freed */
	char pad[16]; /* blocks stay 16-byte aligned */
};

/* Before every block: its chunk (NULL: the block is a malloc of its own) and its size. */
struct secinfo_mem_block {
	struct secinfo_mem_chunk *chunk;
	size_t size;
};

static pthread_mutex_t secinfo_mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct secinfo_mem_chunk *secinfo_mem_current;

static struct secinfo_mem_block *
secinfo_mem_block(void *p)
{
	return (struct secinfo_mem_block *)p - 1;
}

static void *
secinfo_mem_malloc(int n)
{
	size_t size = ((size_t)(n > 0 ? n : 1) + 15) & ~(size_t)15;
	size_t need = sizeof(struct secinfo_mem_block) + size;
	struct secinfo_mem_chunk *c;
	struct secinfo_mem_block *b;

	if (n < 0)
		return NULL;
	if (size > SECINFO_MEM_BIG) {
		b = malloc(need);
		if (b == NULL)
			return NULL;
		b->chunk = NULL;
		b->size = size;
		return b + 1;
	}
	pthread_mutex_lock(&secinfo_mem_lock);
	c = secinfo_mem_current;
	if (c == NULL || c->used + need > SECINFO_MEM_CHUNK) {
		struct secinfo_mem_chunk *fresh = malloc(SECINFO_MEM_CHUNK);

		if (fresh == NULL) {
			pthread_mutex_unlock(&secinfo_mem_lock);
			return NULL;
		}
		fresh->used = sizeof(*fresh);
		fresh->live = 0;
		/* A full chunk whose blocks are all freed already goes; one with live blocks goes
		 * when the last of them is freed. */
		if (c != NULL && c->live == 0)
			free(c);
		secinfo_mem_current = c = fresh;
	}
	b = (struct secinfo_mem_block *)((char *)c + c->used);
	c->used += need;
	c->live++;
	pthread_mutex_unlock(&secinfo_mem_lock);
	b->chunk = c;
	b->size = size;
	return b + 1;
}

static void
secinfo_mem_free(void *p)
{
	struct secinfo_mem_block *b;
	struct secinfo_mem_chunk *c;

	if (p == NULL)
		return;
	b = secinfo_mem_block(p);
	c = b->chunk;
	if (c == NULL) {
		free(b);
		return;
	}
	pthread_mutex_lock(&secinfo_mem_lock);
	if (--c->live == 0) {
		if (c == secinfo_mem_current)
			c->used = sizeof(*c); /* empty: reused from its start */
		else
			free(c);
	}
	pthread_mutex_unlock(&secinfo_mem_lock);
}

static int
secinfo_mem_size(void *p)
{
	return p != NULL ? (int)secinfo_mem_block(p)->size : 0;
}

static void *
secinfo_mem_realloc(void *p, int n)
{
	struct secinfo_mem_block *b = secinfo_mem_block(p);
	size_t size = ((size_t)(n > 0 ? n : 1) + 15) & ~(size_t)15;
	struct secinfo_mem_chunk *c = b->chunk;
	void *q;

	if (n < 0)
		return NULL;
	if (size <= b->size)
		return p;
	/* The last block of the current chunk grows in place (sqlite grows the column array of
	 * a table one column at a time while it parses the schema). */
	if (c != NULL && size <= SECINFO_MEM_BIG) {
		pthread_mutex_lock(&secinfo_mem_lock);
		if (c == secinfo_mem_current && (char *)p + b->size == (char *)c + c->used &&
		    c->used + (size - b->size) <= SECINFO_MEM_CHUNK) {
			c->used += size - b->size;
			b->size = size;
			pthread_mutex_unlock(&secinfo_mem_lock);
			return p;
		}
		pthread_mutex_unlock(&secinfo_mem_lock);
	}
	q = secinfo_mem_malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, b->size);
	secinfo_mem_free(p);
	return q;
}

static int
secinfo_mem_roundup(int n)
{
	return n > INT32_MAX - 15 ? n : (n + 15) & ~15;
}

static int
secinfo_mem_init(void *data)
{
	(void)data;
	return SQLITE_OK;
}

static void
secinfo_mem_shutdown(void *data)
{
	(void)data;
}

/* A child forked while another thread held the lock would wait for it for ever. */
static void
secinfo_mem_prefork(void)
{
	pthread_mutex_lock(&secinfo_mem_lock);
}

static void
secinfo_mem_postfork(void)
{
	pthread_mutex_unlock(&secinfo_mem_lock);
}

void
secinfo_store_mem_setup(void)
{
	static const sqlite3_mem_methods methods = {
		secinfo_mem_malloc,  secinfo_mem_free, secinfo_mem_realloc,  secinfo_mem_size,
		secinfo_mem_roundup, secinfo_mem_init, secinfo_mem_shutdown, NULL,
	};

	if (pthread_atfork(secinfo_mem_prefork, secinfo_mem_postfork, secinfo_mem_postfork) != 0)
		return; /* sqlite keeps malloc */
	sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}

void
secinfo_store_mem_release(void)
{
	pthread_mutex_lock(&secinfo_mem_lock);
	if (secinfo_mem_current != NULL && secinfo_mem_current->live == 0) {
		free(secinfo_mem_current);
		secinfo_mem_current = NULL;
	}
	pthread_mutex_unlock(&secinfo_mem_lock);
}

#else

void
secinfo_store_mem_setup(void)
{
}

void
secinfo_store_mem_release(void)
{
}

#endif
