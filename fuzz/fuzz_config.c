/*
 * Fuzz target: autodiscoverd.conf (daemon/config.c). A text that parses must give usable
 * listeners whose hosts are found again by name (any letter case, with a port); a text that
 * does not must say why in a "NAME:LINE: reason" line.
 */
#include <ctype.h>

#include "config.h"
#include "fuzz_common.h"

static void check_hosts(const struct config_listener *l)
{
    FUZZ_ASSERT(l->address && l->nhosts > 0 && l->port > 0 && l->port <= 65535);
    FUZZ_ASSERT(config_listener_host(l, NULL) && config_listener_host(l, "no.such.host"));
    for (size_t i = 0; i < l->nhosts; i++) {
        const struct config_host *h = &l->hosts[i];
        if (h->role == ROLE_REDIRECTOR)
            FUZZ_ASSERT(h->redirect_to && strncmp(h->redirect_to, "https://", 8) == 0);
        if (!h->name)
            continue;
        FUZZ_ASSERT(config_listener_host(l, h->name) == h);
        char upper[300];
        size_t n = 0;
        for (; h->name[n] && n < sizeof upper - 6; n++)
            upper[n] = (char)toupper((unsigned char)h->name[n]);
        snprintf(upper + n, sizeof upper - n, ":443");
        if (!h->name[n])
            FUZZ_ASSERT(config_listener_host(l, upper) == h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char err[256] = "";
    struct config *conf = config_parse_string("fuzz.conf", text, err, sizeof err);
    if (conf) {
        FUZZ_ASSERT(conf->directory && conf->nlisteners > 0 && conf->max_body > 0);
        for (size_t i = 0; i < conf->nlisteners; i++)
            check_hosts(&conf->listeners[i]);
        config_free(conf);
    } else {
        FUZZ_ASSERT(strncmp(err, "fuzz.conf:", 10) == 0 && !strchr(err, '\n'));
    }
    free(text);
    return 0;
}
