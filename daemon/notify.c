/* notify: sd_notify over a unix datagram socket (see notify.h). */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int notify_fd = -1;

int notify_init(char *err, size_t errlen)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sun.sun_path) {
        snprintf(err, errlen, "NOTIFY_SOCKET: not an absolute path or @abstract name");
        return -1;
    }
    memcpy(sun.sun_path, path, len);
    if (path[0] == '@')
        sun.sun_path[0] = '\0'; /* the abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s", strerror(errno));
        return -1;
    }
    socklen_t sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    if (connect(fd, (struct sockaddr *)&sun, sunlen) < 0) {
        snprintf(err, errlen, "NOTIFY_SOCKET %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    notify_fd = fd;
    /* Children (none today) must not inherit the variable and talk in our name. */
    unsetenv("NOTIFY_SOCKET");
    return 0;
}

void notify_send(const char *state)
{
    if (notify_fd < 0)
        return;
    if (send(notify_fd, state, strlen(state), MSG_NOSIGNAL) < 0)
        log_warn("NOTIFY_SOCKET: cannot send %s", state);
}

void notify_reloading(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char state[96];
    snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000u);
    notify_send(state);
}
