/* Unit tests for daemon/access_log.c: the line format and the escaping of hostile fields. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access_log.h"
#include "testutil.h"

int main(void)
{
    char line[4096];
    struct access_entry e = {
        .when = {.tv_sec = 1714555800, .tv_nsec = 123456789},
        .client = "127.0.0.1",
        .host = "autodiscover.contoso.test",
        .method = "POST",
        .path = "/Autodiscover/Autodiscover.xml",
        .status = 200,
        .user = "bob@contoso.test",
        .bytes_out = 1432,
        .elapsed_us = 20517,
    };
    access_log_format(&e, line, sizeof line);
    CHECK_STR(line, "2024-05-01T09:30:00.123456Z 127.0.0.1 autodiscover.contoso.test POST "
                    "/Autodiscover/Autodiscover.xml 200 bob@contoso.test 1432 20517\n");
    /* Missing values, and a Host trying to forge a second line or field. */
    e.host = "evil\n2024 forged 200";
    e.user = NULL;
    e.path = "/a b%\"";
    e.status = 0;
    access_log_format(&e, line, sizeof line);
    CHECK_STR(line, "2024-05-01T09:30:00.123456Z 127.0.0.1 evil%0A2024%20forged%20200 POST "
                    "/a%20b%25%22 0 - 1432 20517\n");
    /* A line that does not fit is cut but still ends with a newline. */
    char small[40];
    size_t n = access_log_format(&e, small, sizeof small);
    CHECK(n == sizeof small - 1 && small[n - 1] == '\n');

    char path[] = "/tmp/test_access_log.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct access_log *log = access_log_open(path);
    CHECK(log != NULL);
    CHECK(access_log_write(log, &e) == 0);
    CHECK(access_log_write(log, &e) == 0);
    access_log_close(log);
    CHECK(access_log_write(NULL, &e) == 0);
    FILE *f = fopen(path, "r");
    int lines = 0;
    while (f && fgets(line, sizeof line, f))
        lines++;
    if (f)
        fclose(f);
    CHECK(lines == 2);
    unlink(path);
    return test_done("access_log");
}
