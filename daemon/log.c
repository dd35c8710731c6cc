/* log: stderr in the foreground, syslog once daemonized (see log.h). */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_progname = "autodiscoverd";
static bool log_to_stderr = true;
static bool log_verbose;

void log_init(const char *progname, bool foreground, bool verbose)
{
    log_progname = progname;
    log_to_stderr = foreground;
    log_verbose = verbose;
    if (!foreground)
        openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vwrite(int priority, const char *suffix, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (log_to_stderr)
        fprintf(stderr, "%s: %s%s%s\n", log_progname, msg, suffix ? ": " : "",
                suffix ? suffix : "");
    else
        syslog(priority, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
}

void log_warn(const char *fmt, ...)
{
    /* strerror before formatting: vsnprintf may itself change errno. */
    char buf[256];
    const char *reason = strerror_r(errno, buf, sizeof buf); /* the GNU strerror_r */
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_WARNING, reason, fmt, ap);
    va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_WARNING, NULL, fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_INFO, NULL, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    if (!log_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_DEBUG, NULL, fmt, ap);
    va_end(ap);
}

void log_auth(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log_to_stderr)
        fprintf(stderr, "%s[%ld]: %s\n", log_progname, (long)getpid(), msg);
    else
        syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", msg);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_CRIT, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}
