/*
 * journey_auth: credentials and the trace for one discovery. The credentials callback is
 * asked only when a validated https server challenged for Basic and the client holds no
 * password, at most once per discovery; what it gives lives in the discovery and is wiped
 * (explicit_bzero) when the discovery ends. The trace gets one line per step, built from
 * the step, which never holds a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey.h"

#define ASK_USER_MAX 256
#define ASK_PASS_MAX 1024

const char *journey_password(const struct discovery *d)
{
    return d->client->password ? d->client->password : d->asked_pass;
}

const char *journey_username(const struct discovery *d)
{
    if (d->client->password)
        return d->client->username ? d->client->username : d->requested;
    /* The callback may leave the user name empty: the address the caller asked for. */
    return d->asked_user && *d->asked_user ? d->asked_user : d->requested;
}

ad_protocol journey_post_protocol(const struct discovery *d)
{
    return d->client->protocol == AD_PROTOCOL_JSON ? AD_PROTOCOL_POX : d->client->protocol;
}

/* Whether the answer is one that could take a password (verdict.c's rule for retrying). */
static bool wants_basic(const struct http_response *resp)
{
    return resp->outcome == HTTP_DONE && resp->status == 401 && resp->verified_https &&
           resp->offers_basic;
}

int journey_ask_credentials(struct discovery *d, const char *url, const struct http_response *resp)
{
    ad_client *c = d->client;
    if (c->password || !c->ask_credentials || d->asked_credentials || !wants_basic(resp))
        return 0;
    d->asked_credentials = true;
    char *user = calloc(1, ASK_USER_MAX), *pass = calloc(1, ASK_PASS_MAX);
    int rc = 0;
    if (!user || !pass)
        rc = -1;
    else if (c->ask_credentials(c->ask_credentials_data, d->addr.email, url, user, ASK_USER_MAX,
                                pass, ASK_PASS_MAX) &&
             *pass) {
        /* Whatever the callback wrote, the buffers end in a NUL. */
        user[ASK_USER_MAX - 1] = pass[ASK_PASS_MAX - 1] = '\0';
        d->asked_user = user;
        d->asked_pass = pass;
        return 0;
    }
    if (user)
        explicit_bzero(user, ASK_USER_MAX);
    if (pass)
        explicit_bzero(pass, ASK_PASS_MAX);
    free(user);
    free(pass);
    return rc;
}

void journey_wipe_credentials(struct discovery *d)
{
    if (d->asked_user)
        explicit_bzero(d->asked_user, ASK_USER_MAX);
    if (d->asked_pass)
        explicit_bzero(d->asked_pass, ASK_PASS_MAX);
    free(d->asked_user);
    free(d->asked_pass);
    d->asked_user = d->asked_pass = NULL;
}

void journey_trace(const struct discovery *d, const struct result_step *s)
{
    ad_client *c = d->client;
    if (!c->trace)
        return;
    char line[2048];
    const char *where = s->query ? s->query : s->url;
    snprintf(line, sizeof line, "%s %s %d %s%s%s%s: %s", s->method, where && *where ? where : "-",
             s->status, step_decision_name(s->decision), s->code && *s->code ? " (" : "",
             s->code ? s->code : "", s->code && *s->code ? ")" : "", s->reason);
    c->trace(c->trace_data, line);
}
