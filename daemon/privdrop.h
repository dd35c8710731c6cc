/*
 * privdrop: become an unprivileged user once the sockets are bound and the certificates
 * read. Supplementary groups, group and user are all changed, and the result is checked:
 * if root could be regained, or any id is not the target's, the daemon must not run.
 */
#ifndef AD_DAEMON_PRIVDROP_H
#define AD_DAEMON_PRIVDROP_H

#include <stddef.h>

/* 0, or -1 with a one-line reason in err. Must run before any thread is started. */
int privdrop_to_user(const char *name, char *err, size_t errlen);

#endif
