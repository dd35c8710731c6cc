/*
 * autodiscoverd: the Autodiscover service (doc/autodiscoverd.md).
 *
 *   autodiscoverd -f CONF [-d] [-n] [-v]
 *
 * The main thread only handles signals (sigwait: no async handlers): HUP reloads the
 * configuration into a new server generation and keeps the old one if anything fails,
 * TERM and INT drain and exit. Requests run in libmicrohttpd's thread pool.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "server.h"

#define DRAIN_SECONDS 10u

static void usage(void)
{
    fprintf(stderr, "usage: autodiscoverd -f file [-d] [-n] [-v]\n");
    exit(2);
}

/* A reload or the start: a new generation from the file, or NULL (reason logged). */
static struct server *load(const char *path, bool started, char *err, size_t errlen)
{
    struct config *conf = config_parse_file(path, err, errlen);
    if (!conf)
        return NULL;
    struct server *srv = server_prepare(conf, err, errlen);
    if (!srv)
        return NULL;
    if (started && server_start(srv, err, errlen) < 0) {
        server_stop(srv, 0);
        return NULL;
    }
    return srv;
}

static int check_only(const char *path)
{
    char err[1024];
    struct config *conf = config_parse_file(path, err, sizeof err);
    if (!conf || server_check_tls_files(conf, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        config_free(conf);
        return 1;
    }
    config_free(conf);
    fprintf(stderr, "configuration OK\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf_arg = NULL;
    bool foreground = false, check = false, verbose = false;
    int ch;
    while ((ch = getopt(argc, argv, "df:nv")) != -1) {
        switch (ch) {
        case 'd':
            foreground = true;
            break;
        case 'f':
            conf_arg = optarg;
            break;
        case 'n':
            check = true;
            break;
        case 'v':
            verbose = true;
            break;
        default:
            usage();
        }
    }
    if (optind != argc || !conf_arg)
        usage();
    if (check)
        return check_only(conf_arg);

    /* Absolute, because daemonizing changes the working directory and HUP re-reads it. */
    char conf_path[PATH_MAX];
    if (!realpath(conf_arg, conf_path)) {
        fprintf(stderr, "%s:0: %s\n", conf_arg, strerror(errno));
        return 1;
    }

    /* Block the signals we wait for before any thread exists, so every thread inherits it. */
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGHUP);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &waited, NULL) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
        fprintf(stderr, "autodiscoverd: cannot set up signals\n");
        return 1;
    }

    log_init("autodiscoverd", true, verbose);
    char err[1024];
    struct server *srv = load(conf_path, false, err, sizeof err);
    if (!srv)
        fatalx("%s", err);
    if (!foreground) {
        if (daemon(0, 0) < 0)
            fatalx("daemon: %s", strerror(errno));
        log_init("autodiscoverd", false, verbose);
    }
    if (server_start(srv, err, sizeof err) < 0)
        fatalx("%s", err);
    log_info("started");

    for (;;) {
        int sig;
        if (sigwait(&waited, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_info("reloading %s", conf_path);
            struct server *fresh = load(conf_path, true, err, sizeof err);
            if (!fresh) {
                log_warnx("reload failed, keeping the running configuration: %s", err);
                continue;
            }
            server_stop(srv, DRAIN_SECONDS);
            srv = fresh;
            log_info("reloaded");
        } else {
            log_info("shutting down");
            server_stop(srv, DRAIN_SECONDS);
            return 0;
        }
    }
}
