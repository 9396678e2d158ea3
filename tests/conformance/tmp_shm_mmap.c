/* Shared mappings of files in /dev/shm and /tmp: the sem_open pattern (create, write,
 * mmap MAP_SHARED, link to the final name, unlink), fork sharing, SIGBUS past the end,
 * and POSIX semaphores themselves. */
#include "conf.h"
#include <semaphore.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void child_status(const char *what, pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid) {
		printf("%s: waitpid failed\n", what);
		return;
	}
	if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", what, WTERMSIG(st));
	else
		printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

int main(void)
{
	const char *dir = conf_tmpdir();
	char tmpname[64], final[64], sname[64], buf[16];
	int fd, val = -1;
	unsigned *p;
	pid_t pid;
	sem_t *sem;

	snprintf(tmpname, sizeof(tmpname), "/dev/shm/sem.conf%dXX", getpid());
	snprintf(final, sizeof(final), "/dev/shm/sem.conf%d", getpid());
	fd = open(tmpname, O_CREAT | O_EXCL | O_RDWR, 0600);
	show_ok("create in /dev/shm", fd);
	show("write 16 bytes", RAW(SYS_write, fd, "0123456789abcdef", 16));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fact("mmap MAP_SHARED", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return 1;
	show("link to the final name", RAW(SYS_link, tmpname, final));
	show("unlink the temporary name", RAW(SYS_unlink, tmpname));
	show_bytes("mapped bytes", p, 16);

	p[0] = 0x41414141;
	show("pread sees the mapped store", RAW(SYS_pread64, fd, buf, 8, 0));
	show_bytes("file bytes", buf, 8);
	show("pwrite 'ZZ' at 4", RAW(SYS_pwrite64, fd, "ZZ", 2, 4));
	show_bytes("mapped bytes", p, 8);

	pid = fork();
	if (pid == 0) {
		p[1] = 0x42424242;
		_exit(0);
	}
	child_status("child writing through its mapping", pid);
	show_bytes("parent sees", p, 8);

	/* Beyond the end of the file (within the mapping) is SIGBUS. */
	pid = fork();
	if (pid == 0) {
		volatile unsigned *q = (unsigned *)((char *)p + 4096 - 4);
		(void)q;
		if (ftruncate(fd, 16) != 0)
			_exit(3);
		_exit(p[2] == 0 ? 0 : 4);
	}
	child_status("child reading within the last page", pid);
	{
		unsigned *big = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);

		pid = fork();
		if (pid == 0) {
			volatile unsigned x = big[4096 / 4 + 1];
			(void)x;
			_exit(0);
		}
		child_status("child reading a page past the end", pid);
		show("ftruncate to three pages", RAW(SYS_ftruncate, fd, 3 * 4096));
		pid = fork();
		if (pid == 0) {
			volatile unsigned x = big[2 * 4096 / 4];
			_exit(x == 0 ? 0 : 5);
		}
		child_status("child reading the grown file", pid);
		munmap(big, 3 * 4096);
	}
	munmap(p, 4096);
	close(fd);
	show("unlink the final name", RAW(SYS_unlink, final));

	/* A private mapping does not write back. */
	fd = open("priv", O_CREAT | O_RDWR, 0644);
	if (write(fd, "private!", 8) != 8)
		printf("write failed\n");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	p[0] = 0x43434343;
	show("pread after a private store", RAW(SYS_pread64, fd, buf, 8, 0));
	show_bytes("file bytes", buf, 8);
	munmap(p, 4096);
	show("mmap MAP_SHARED|PROT_WRITE of an O_RDONLY fd",
	     (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, open("priv", O_RDONLY), 0) == -1 ? -errno : 0);
	close(fd);

	/* The real thing. */
	snprintf(sname, sizeof(sname), "/conf-sem-%d", getpid());
	sem = sem_open(sname, O_CREAT | O_EXCL, 0600, 2);
	fact("sem_open", sem != SEM_FAILED);
	if (sem != SEM_FAILED) {
		sem_getvalue(sem, &val);
		printf("value = %d\n", val);
		pid = fork();
		if (pid == 0) {
			sem_t *s2 = sem_open(sname, 0);

			if (s2 == SEM_FAILED)
				_exit(1);
			sem_wait(s2);
			sem_wait(s2);
			sem_wait(s2);
			_exit(0);
		}
		usleep(1000);
		sem_post(sem);
		child_status("child taking three", pid);
		sem_getvalue(sem, &val);
		printf("value = %d\n", val);
		show("sem_unlink", kret(sem_unlink(sname)));
		show("sem_unlink again", kret(sem_unlink(sname)));
		sem_close(sem);
	}

	conf_rmtree(dir);
	fact("temporary directory gone", access(dir, F_OK) != 0);
	return 0;
}
