/*
 * autodiscoverd: the Autodiscover service (doc/autodiscoverd.md).
 *
 *   autodiscoverd -f CONF [-d] [-n] [-v]
 *
 * The main thread only handles signals (sigwait: no async handlers): HUP reloads the
 * configuration into a new server generation and keeps the old one if anything fails,
 * TERM and INT drain and exit. Requests run in libmicrohttpd's thread pool.
 *
 * Start-up order: read the configuration, open the directory and logs, read the
 * certificates and bind (as root when ports below 1024 need it), then drop to `user`,
 * detach, start the threads and tell the service manager READY=1.
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
#include "notify.h"
#include "privdrop.h"
#include "server.h"

#define DRAIN_SECONDS 10u

static void usage(void)
{
    fprintf(stderr, "usage: autodiscoverd -f file [-d] [-n] [-v]\n");
    exit(2);
}

/*
 * A reload (previous: the running generation, whose sockets are reused) or the start
 * (previous NULL): a new generation from the file, or NULL with the reason in err.
 */
static struct server *load(const char *path, const struct server *previous, char *err,
                           size_t errlen)
{
    bool started = previous != NULL;
    struct config *conf = config_parse_file(path, err, errlen);
    if (!conf)
        return NULL;
    struct server *srv = server_prepare(conf, previous, err, errlen);
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
    if (notify_init(err, sizeof err) < 0)
        fatalx("%s", err);
    struct server *srv = load(conf_path, NULL, err, sizeof err);
    if (!srv)
        fatalx("%s", err);
    /* Copied: a reload replaces the configuration, but the process keeps its user. */
    char user[256] = "";
    const char *wanted = server_config(srv)->user;
    if (wanted) {
        snprintf(user, sizeof user, "%s", wanted);
        if (privdrop_to_user(user, err, sizeof err) < 0)
            fatalx("%s", err);
    }
    if (!foreground) {
        if (daemon(0, 0) < 0)
            fatalx("daemon: %s", strerror(errno));
        log_init("autodiscoverd", false, verbose);
    }
    if (server_start(srv, err, sizeof err) < 0)
        fatalx("%s", err);
    log_info("started%s%s", user[0] ? " as user " : "", user);
    notify_send("READY=1");

    for (;;) {
        int sig;
        if (sigwait(&waited, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            log_info("reloading %s", conf_path);
            notify_reloading();
            struct server *fresh = load(conf_path, srv, err, sizeof err);
            if (!fresh) {
                log_warnx("reload failed, keeping the running configuration: %s", err);
                notify_send("READY=1");
                continue;
            }
            const char *now_wanted = server_config(fresh)->user;
            if (strcmp(now_wanted ? now_wanted : "", user) != 0)
                log_warnx("user changed in the configuration: takes effect at the next start");
            server_stop(srv, DRAIN_SECONDS);
            srv = fresh;
            log_info("reloaded");
            notify_send("READY=1");
        } else {
            log_info("shutting down");
            notify_send("STOPPING=1");
            server_stop(srv, DRAIN_SECONDS);
            return 0;
        }
    }
}
