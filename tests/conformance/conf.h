/*
 * Shared helpers for the conformance programs.
 *
 * Every program in this directory is compiled twice (static and dynamic)
 * by runsc/tests/conformance.rs and run both natively and under
 * `runsc do`; the two runs must print the same bytes and exit the same way.
 *
 * Rules for programs:
 *   - print only deterministic facts: never pids, addresses, times,
 *     inode numbers, ids or anything else that differs between runs;
 *   - never write to the file system (the sandbox root is read-only),
 *     except below a fresh directory made in /tmp with conf_tmpdir()
 *     (mkdtemp) and removed with conf_rmtree() before exiting. Natively
 *     that is the host's /tmp; in the sandbox it is the sandbox's own
 *     tmpfs. /dev/shm may hold uniquely named objects (sem_open, shm_open)
 *     that the program removes again. Never print what differs between the
 *     two (inode numbers, devices, st_blocks, times that were not set
 *     explicitly, statfs figures);
 *   - do not install signal handlers and rely on delivery.
 *
 * The harness runs every program with its working directory set to a
 * fixture directory it builds fresh before each run:
 *
 *   data.txt        13000 bytes: lines "line 0000\n" .. "line 1299\n", 0644
 *   empty           empty file, 0644
 *   link            symlink -> data.txt
 *   dangling        symlink -> does-not-exist
 *   loop1, loop2    symlinks pointing at each other
 *   dirlink         symlink -> dir
 *   dir/            0755, holding alpha, beta, gamma (files with contents
 *                   "alpha\n" etc.), sub/ (empty dir), link-to-alpha -> alpha
 *
 * To run a program by hand, recreate that layout and cd into it.
 */
#ifndef CONF_H
#define CONF_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <ftw.h>
#include <unistd.h>

/* A pointer that is never mapped: the kernel must answer EFAULT. */
#define BADPTR ((void *)1)

#define FIXTURE_DATA_SIZE 13000

static inline const char *ename(int e)
{
	static char other[32];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case ENOTSUP: return "ENOTSUP";
	case ENOTEMPTY: return "ENOTEMPTY";
	case EMLINK: return "EMLINK";
	case ETIMEDOUT: return "ETIMEDOUT";
	default:
		snprintf(other, sizeof(other), "errno#%d", e);
		return other;
	}
}

/* Turn a libc-style result (-1 and errno) into a kernel-style one (-errno). */
static inline long kret(long r)
{
	return r == -1 ? -(long)errno : r;
}

/* A raw system call, with the result in kernel style (-errno on failure). */
#define RAW(...) kret(syscall(__VA_ARGS__))

static inline int is_err(long r)
{
	return r < 0 && r >= -4095;
}

/* "what = value" or "what = -1 ENAME". Only for deterministic values. */
static inline void show(const char *what, long r)
{
	if (is_err(r))
		printf("%s = -1 %s\n", what, ename((int)-r));
	else
		printf("%s = %ld\n", what, r);
}

/* "what = ok" or "what = -1 ENAME", for results whose value may vary. */
static inline void show_ok(const char *what, long r)
{
	if (is_err(r))
		printf("%s = -1 %s\n", what, ename((int)-r));
	else
		printf("%s = ok\n", what);
}

/* "what: yes" / "what: no". */
static inline void fact(const char *what, int cond)
{
	printf("%s: %s\n", what, cond ? "yes" : "no");
}

/* Print a NUL-free byte string with non-printables escaped. */
static inline void show_bytes(const char *what, const void *buf, long n)
{
	const unsigned char *p = buf;

	printf("%s = \"", what);
	for (long i = 0; i < n; i++) {
		if (p[i] == '\n')
			printf("\\n");
		else if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	printf("\"\n");
}

/*
 * Make a fresh directory in /tmp and change into it. Returns its absolute
 * path (static storage), or exits if it cannot be made.
 */
static inline const char *conf_tmpdir(void)
{
	static char path[64];

	strcpy(path, "/tmp/conf-XXXXXX");
	if (!mkdtemp(path) || chdir(path) != 0) {
		printf("cannot make a directory in /tmp: %s\n", ename(errno));
		exit(1);
	}
	return path;
}

static inline int conf_rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(p) == 0 ? 0 : -1;
	return unlink(p) == 0 ? 0 : -1;
}

/* Remove `path` and everything below it; prints a line if that fails. */
static inline void conf_rmtree(const char *path)
{
	if (chdir("/") != 0 || nftw(path, conf_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		printf("cleanup of the temporary directory failed: %s\n", ename(errno));
}

/* Line-buffer stdout so that a crash loses at most one line. */
__attribute__((constructor)) static void conf_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

#endif
