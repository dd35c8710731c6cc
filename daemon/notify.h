/*
 * notify: the service manager readiness protocol (sd_notify(3)) without libsystemd. When
 * $NOTIFY_SOCKET names a unix datagram socket (a path, or "@name" in the abstract
 * namespace), states such as "READY=1" are sent to it; otherwise nothing happens.
 * notify_init() opens and connects the socket early, so it still works after the daemon
 * has dropped its privileges.
 */
#ifndef AD_DAEMON_NOTIFY_H
#define AD_DAEMON_NOTIFY_H

#include <stddef.h>

/* 0 (also when $NOTIFY_SOCKET is unset), or -1 with a reason in err. */
int notify_init(char *err, size_t errlen);
/* Sends state ("READY=1", "STOPPING=1", ...); failures are logged, never fatal. */
void notify_send(const char *state);
/* RELOADING=1 with MONOTONIC_USEC, as systemd 253+ expects for Type=notify-reload. */
void notify_reloading(void);

#endif
