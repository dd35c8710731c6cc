/*
 * access_log: one line per request, appended with a single write(2) so lines from
 * concurrent threads never interleave. Fields, separated by one space:
 *
 *   TIME CLIENT HOST METHOD PATH STATUS USER BYTES MICROSECONDS
 *   2024-05-01T09:30:00.123456Z 127.0.0.1 autodiscover.contoso.test POST
 *       /Autodiscover/Autodiscover.xml 200 bob@contoso.test 1432 20517
 *
 * A missing value is "-". Bytes outside printable ASCII, spaces, '%' and '"' in HOST, PATH
 * and USER are written %XX, so a field never contains a space.
 */
#ifndef AD_DAEMON_ACCESS_LOG_H
#define AD_DAEMON_ACCESS_LOG_H

#include <stddef.h>
#include <time.h>

struct access_log;

struct access_entry {
    struct timespec when; /* CLOCK_REALTIME at the start of the request */
    const char *client;   /* numeric address */
    const char *host;     /* Host header, or NULL */
    const char *method;
    const char *path;
    int status;       /* 0 when the connection ended before an answer */
    const char *user; /* authenticated mailbox, or NULL */
    size_t bytes_out; /* response body bytes */
    long long elapsed_us;
};

/* Opens path for appending (created 0640); NULL with errno set. */
struct access_log *access_log_open(const char *path);
void access_log_close(struct access_log *log);
/* Formats one line into buf (always NUL-terminated); returns its length. */
size_t access_log_format(const struct access_entry *e, char *buf, size_t buflen);
/* Copies s into out with the %XX escapes above; "-" for NULL or empty. Also for syslog. */
void access_log_escape(const char *s, char *out, size_t outlen);
/* 0, or -1 when the write failed. log may be NULL (no access log configured). */
int access_log_write(struct access_log *log, const struct access_entry *e);

#endif
