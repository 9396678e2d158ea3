/* argv and envp as the kernel lays them out on the initial stack. */
#include "conf.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv, char **envp)
{
	int envc = 0;

	printf("argc = %d\n", argc);
	fact("argv[0] is absolute", argv[0][0] == '/');
	for (int i = 1; i < argc; i++) {
		char what[32];

		snprintf(what, sizeof(what), "argv[%d]", i);
		show_bytes(what, argv[i], (long)strlen(argv[i]));
	}
	fact("argv[argc] == NULL", argv[argc] == NULL);
	fact("envp == argv + argc + 1", envp == argv + argc + 1);
	fact("environ == envp", environ == envp);

	while (envp[envc])
		envc++;
	printf("envc = %d\n", envc);

	/* Print the variables in sorted order so only their set matters. */
	char **sorted = calloc((size_t)envc + 1, sizeof(char *));
	if (!sorted)
		return 1;
	for (int i = 0; i < envc; i++)
		sorted[i] = envp[i];
	qsort(sorted, (size_t)envc, sizeof(char *), cmp_str);
	for (int i = 0; i < envc; i++)
		show_bytes("env", sorted[i], (long)strlen(sorted[i]));
	free(sorted);

	const char *g = getenv("CONF_GREETING");
	show_bytes("getenv(CONF_GREETING)", g ? g : "(null)", (long)strlen(g ? g : "(null)"));
	fact("getenv(CONF_MISSING) == NULL", getenv("CONF_MISSING") == NULL);
	return 0;
}
