/*
 * log: the daemon's diagnostics. Before log_init() and with -d everything goes to stderr;
 * otherwise to syslog (facility daemon). log_warn appends strerror(errno), log_warnx does
 * not; log_debug speaks only when verbose. Never pass a password or an Authorization header.
 */
#ifndef AD_DAEMON_LOG_H
#define AD_DAEMON_LOG_H

#include <stdbool.h>
#include <stdnoreturn.h>

void log_init(const char *progname, bool foreground, bool verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A security event (facility authpriv, priority notice, for fail2ban and the like). On
 * stderr the line starts "PROGNAME[PID]: " as syslog would write it.
 */
void log_auth(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
