/* scp_journey: the SCP options of a client and step 3 of a pass (see scp_journey.h). */
#include "scp_journey.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "journey.h"
#include "ldap_client.h"
#include "scp.h"

/* MAPI_E_NOT_FOUND: Outlook's label for "no SCP / local data" (PROTOCOL.md §9). */
#define OUTLOOK_CODE_NO_SCP "0x8004010F"

static struct scp_settings *settings(ad_client *c)
{
    if (!c->scp)
        c->scp = calloc(1, sizeof *c->scp);
    return c->scp;
}

/* Replaces *slot with a copy of value (NULL clears). */
static ad_code replace(char **slot, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return AD_E_NOMEM;
    free(*slot);
    *slot = copy;
    return AD_OK;
}

static bool ldap_spec_ok(const char *spec)
{
    if (strcasecmp(spec, "auto") == 0)
        return true;
    if (strncasecmp(spec, "auto:", 5) == 0)
        return spec[5] && !strpbrk(spec + 5, " /:@");
    if (strncasecmp(spec, "ldap://", 7) != 0 && strncasecmp(spec, "ldaps://", 8) != 0)
        return false;
    LDAPURLDesc *desc = NULL;
    if (ldap_url_parse(spec, &desc) != LDAP_URL_SUCCESS)
        return false;
    bool ok = desc->lud_host && *desc->lud_host;
    ldap_free_urldesc(desc);
    return ok;
}

ad_code ad_client_set_ldap(ad_client *client, const char *uri)
{
    if (!client || (uri && !ldap_spec_ok(uri)))
        return AD_E_INVALID_ARGUMENT;
    struct scp_settings *s = settings(client);
    return s ? replace(&s->ldap, uri) : AD_E_NOMEM;
}

ad_code ad_client_set_site(ad_client *client, const char *site)
{
    if (!client || (site && !*site))
        return AD_E_INVALID_ARGUMENT;
    struct scp_settings *s = settings(client);
    return s ? replace(&s->site, site) : AD_E_NOMEM;
}

ad_code ad_client_set_ldap_credentials(ad_client *client, const char *bind_dn, const char *password)
{
    if (!client || (bind_dn && !*bind_dn) || (!bind_dn && password))
        return AD_E_INVALID_ARGUMENT;
    struct scp_settings *s = settings(client);
    if (!s)
        return AD_E_NOMEM;
    char *pw = password ? strdup(password) : NULL;
    if ((password && !pw) || replace(&s->bind_dn, bind_dn) != AD_OK) {
        free(pw);
        return AD_E_NOMEM;
    }
    if (s->bind_password) {
        explicit_bzero(s->bind_password, strlen(s->bind_password));
        free(s->bind_password);
    }
    s->bind_password = pw;
    return AD_OK;
}

ad_code ad_client_set_ldap_starttls(ad_client *client, int on)
{
    if (!client)
        return AD_E_INVALID_ARGUMENT;
    struct scp_settings *s = settings(client);
    if (!s)
        return AD_E_NOMEM;
    s->starttls = on != 0;
    return AD_OK;
}

/* One LDAP operation as a step of the journey. */
static int add_step(struct discovery *d, const struct scp_op *op, bool last, bool found)
{
    struct candidate cand = {.method = AD_METHOD_SCP};
    struct verdict v;
    const char *code = last && !found ? OUTLOOK_CODE_NO_SCP : OUTLOOK_CODE_NONE;
    verdict_set(&v, op->end == SCP_OP_FAILED ? OUTCOME_UNREACHABLE : OUTCOME_REDIRECT, code, "%s",
                op->reason ? op->reason : "");
    if (op->end == SCP_OP_FOLLOW)
        v.decision = STEP_FOLLOW_REDIRECT;
    if (journey_add_step(d, &cand, NULL, 0, op->elapsed_ms, STEP_AUTH_NONE, &v) < 0)
        return -1;
    struct result_step *s = result_last_step(d->result);
    if (result_step_set_query(s, op->query) < 0)
        return -1;
    for (size_t i = 0; i < op->nanswers; i++)
        if (result_step_add_answer(s, op->answers[i]) < 0)
            return -1;
    return 0;
}

int journey_queue_scp(struct discovery *d, int *added)
{
    ad_client *client = d->client;
    const struct scp_settings *s = client->scp;
    if (!s || !s->ldap || (client->excluded & AD_METHOD_SCP))
        return 0;
    struct scp_context c = {.settings = s,
                            .cacert = client->cacert,
                            .dns_server = client->dns_server,
                            .domain = d->addr.domain,
                            .timeout_ms = client->timeout_ms,
                            .deadline = d->has_deadline ? &d->deadline : NULL,
                            .rng = &d->rng};
    struct scp_found f;
    int rc = scp_lookup(&c, &f);
    for (size_t i = 0; rc == 0 && i < f.nops; i++)
        rc = add_step(d, &f.ops[i], i + 1 == f.nops, f.nurls > 0);
    for (size_t i = 0; rc == 0 && i < f.nurls; i++) {
        char *host = redirect_url_host(f.urls[i]);
        struct candidate cand = {
            .method = AD_METHOD_SCP, .kind = CANDIDATE_POST, .url = f.urls[i], .host = host};
        int r = host ? candidates_append(&d->queue, &cand) : -1;
        free(host);
        if (r < 0)
            rc = -1;
        else
            *added += r;
    }
    scp_found_free(&f);
    return rc;
}
