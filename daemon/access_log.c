/* access_log: one line per request (see access_log.h for the format). */
#include "access_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ACCESS_LINE_MAX 4096
#define FIELD_MAX 1024 /* longer values are cut: a line stays well under ACCESS_LINE_MAX */

struct access_log {
    int fd;
};

struct access_log *access_log_open(const char *path)
{
    struct access_log *log = malloc(sizeof *log);
    if (!log)
        return NULL;
    log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (log->fd < 0) {
        int saved = errno;
        free(log);
        errno = saved;
        return NULL;
    }
    return log;
}

void access_log_close(struct access_log *log)
{
    if (!log)
        return;
    close(log->fd);
    free(log);
}

/* Copies s into out with %XX escapes; "-" for NULL or empty. */
void access_log_escape(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s || !*s) {
        snprintf(out, outlen, "-");
        return;
    }
    size_t n = 0;
    for (; *s && n + 4 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '%' || c == '"') {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
}

size_t access_log_format(const struct access_entry *e, char *buf, size_t buflen)
{
    char when[64], host[FIELD_MAX], method[64], path[FIELD_MAX], user[FIELD_MAX];
    struct tm tm;
    gmtime_r(&e->when.tv_sec, &tm);
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%06ldZ", e->when.tv_nsec / 1000);
    access_log_escape(e->host, host, sizeof host);
    access_log_escape(e->method, method, sizeof method);
    access_log_escape(e->path, path, sizeof path);
    access_log_escape(e->user, user, sizeof user);
    int n = snprintf(buf, buflen, "%s %s %s %s %s %d %s %zu %lld\n", when,
                     e->client && *e->client ? e->client : "-", host, method, path, e->status, user,
                     e->bytes_out, e->elapsed_us);
    if (n < 0)
        n = 0;
    if ((size_t)n >= buflen && buflen > 1) {
        n = (int)buflen - 1;
        buf[n - 1] = '\n'; /* a cut line still ends the line */
    }
    return (size_t)n;
}

int access_log_write(struct access_log *log, const struct access_entry *e)
{
    if (!log)
        return 0;
    char line[ACCESS_LINE_MAX];
    size_t n = access_log_format(e, line, sizeof line);
    /* O_APPEND and one write per line: concurrent lines never interleave. */
    ssize_t w = write(log->fd, line, n);
    return w == (ssize_t)n ? 0 : -1;
}
