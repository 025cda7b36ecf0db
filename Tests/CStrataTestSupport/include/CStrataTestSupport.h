#ifndef C_STRATA_TEST_SUPPORT_H
#define C_STRATA_TEST_SUPPORT_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) by posix_spawn: its standard streams
/// are `stdio[0..2]` (a descriptor; -1 for /dev/null; -2 to keep the parent's), every other
/// descriptor is closed in the child, its working directory is `directory` (NULL: the
/// parent's), its signal mask is empty and SIGPIPE, SIGINT, SIGTERM, SIGCHLD and SIGHUP have
/// their default action. Returns the pid, or -errno.
pid_t strata_test_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                        const int stdio[3]);

/// pipe2(fds, O_CLOEXEC): 0, or -errno.
int strata_test_pipe(int fds[2]);

#endif
