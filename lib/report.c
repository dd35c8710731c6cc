/*
 * report: the result and its journey as one JSON document (doc/autodiscover.md describes it):
 *   {"result": {"ok", "code", "reason", "email", "url", "method", "user", "action",
 *               "protocols", "from_cache", "redirects", "protocol", "settings",
 *               "setting_errors", "warnings"}, "steps": [{"method", "url",
 *               "status", "code", "elapsed_ms", "auth", "decision", "reason", "email", "hop",
 *               "redirected_from", and for DNS steps "query" and "answers"; "tls" for
 *               https steps where TLS happened, "auth_offered" for a 401 naming schemes}, ...]}
 * Absent values are null. Only what ad_result holds is written, and it never holds a secret.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

/* A string or null; jansson rejects invalid UTF-8, which then becomes null too. */
static json_t *string_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

/* Sets key, consuming value; -1 when value could not be made or set. */
static int set(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

/* An array of the n strings of v. */
static json_t *strings_json(char *const *v, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        if (json_array_append_new(list, string_or_null(v[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *user_json(const struct ad_result *r)
{
    if (!r->has_answer || !r->answer.has_user)
        return json_null();
    const struct pox_user *u = &r->answer.user;
    json_t *user = json_object();
    if (!user || set(user, "DisplayName", string_or_null(u->display_name)) < 0 ||
        set(user, "LegacyDN", string_or_null(u->legacy_dn)) < 0 ||
        set(user, "AutoDiscoverSMTPAddress", string_or_null(u->smtp_address)) < 0 ||
        set(user, "DeploymentId", string_or_null(u->deployment_id)) < 0) {
        json_decref(user);
        return NULL;
    }
    return user;
}

/*
 * Adds one field. A path that repeats within a protocol (Exchange sends several OWAUrl, one
 * per authentication method) becomes an array of its values in document order.
 */
static int add_field(json_t *proto, const struct pox_field *f)
{
    json_t *value = string_or_null(f->value);
    json_t *prev = json_object_get(proto, f->path);
    if (!prev)
        return set(proto, f->path, value);
    if (json_is_array(prev))
        return json_array_append_new(prev, value);
    json_t *list = json_array();
    if (!list || json_array_append(list, prev) < 0 || json_array_append_new(list, value) < 0) {
        json_decref(list);
        return -1;
    }
    return set(proto, f->path, list);
}

static json_t *protocol_json(const struct pox_protocol *p)
{
    json_t *proto = json_object();
    if (!proto || set(proto, "Type", string_or_null(p->type)) < 0)
        goto fail;
    for (size_t i = 0; i < p->nfields; i++)
        if (add_field(proto, &p->fields[i]) < 0)
            goto fail;
    return proto;
fail:
    json_decref(proto);
    return NULL;
}

static json_t *protocols_json(const struct ad_result *r)
{
    json_t *list = json_array();
    size_t n = r->has_answer ? r->answer.nprotocols : 0;
    for (size_t i = 0; list && i < n; i++) {
        if (json_array_append_new(list, protocol_json(&r->answer.protocols[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* {"Name": value}; a name that repeats (a collection setting) gets an array of values. */
static json_t *settings_json(const struct ad_result *r)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < r->nsettings; i++) {
        struct pox_field f = {.path = r->settings[i].name, .value = r->settings[i].value};
        if (add_field(obj, &f) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *setting_errors_json(const struct ad_result *r)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < r->nsetting_errors; i++) {
        const struct result_setting *e = &r->setting_errors[i];
        json_t *err = json_object();
        if (!err || set(err, "name", string_or_null(e->name)) < 0 ||
            set(err, "code", string_or_null(e->value)) < 0 ||
            set(err, "message", string_or_null(e->message)) < 0) {
            json_decref(err);
            err = NULL;
        }
        /* Appending consumes err, and fails on NULL. */
        if (json_array_append_new(list, err) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *result_json(const struct ad_result *r)
{
    json_t *res = json_object();
    if (!res || set(res, "ok", json_boolean(r->code == AD_OK)) < 0 ||
        set(res, "code", json_string(result_code_name(r->code))) < 0 ||
        set(res, "reason", string_or_null(r->reason)) < 0 ||
        set(res, "email", string_or_null(r->email)) < 0 ||
        set(res, "url", string_or_null(r->url)) < 0 ||
        set(res, "method", string_or_null(r->method)) < 0 || set(res, "user", user_json(r)) < 0 ||
        set(res, "action",
            string_or_null(r->has_answer ? pox_action_name(r->answer.action) : NULL)) < 0 ||
        set(res, "protocols", protocols_json(r)) < 0 ||
        set(res, "from_cache", json_boolean(r->from_cache)) < 0 ||
        set(res, "redirects", json_integer(r->redirects)) < 0 ||
        set(res, "protocol", string_or_null(r->protocol)) < 0 ||
        set(res, "settings", settings_json(r)) < 0 ||
        set(res, "setting_errors", setting_errors_json(r)) < 0 ||
        set(res, "warnings", strings_json(r->warnings, r->nwarnings)) < 0) {
        json_decref(res);
        return NULL;
    }
    return res;
}



static json_t *tls_names_json(const struct http_tls *t)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < t->nnames; i++) {
        if (json_array_append_new(list, string_or_null(t->names[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/*
 * The TLS outcome: {"verified", "version", "cipher", "subject", "issuer", "names",
 * "not_before", "not_after", "error"}; unknown values are null.
 */
static json_t *tls_json(const struct http_tls *t)
{
    json_t *tls = json_object();
    if (!tls || set(tls, "verified", json_boolean(t->verified)) < 0 ||
        set(tls, "version", string_or_null(t->version)) < 0 ||
        set(tls, "cipher", string_or_null(t->cipher)) < 0 ||
        set(tls, "subject", string_or_null(t->subject)) < 0 ||
        set(tls, "issuer", string_or_null(t->issuer)) < 0 ||
        set(tls, "names", tls_names_json(t)) < 0 ||
        set(tls, "not_before", string_or_null(t->not_before)) < 0 ||
        set(tls, "not_after", string_or_null(t->not_after)) < 0 ||
        set(tls, "error", string_or_null(t->error)) < 0) {
        json_decref(tls);
        return NULL;
    }
    return tls;
}

/* "Negotiate, Basic" as ["Negotiate", "Basic"]. */
static json_t *auth_offered_json(const char *offered)
{
    json_t *list = json_array();
    for (const char *p = offered; list && *p;) {
        size_t n = strcspn(p, ",");
        json_t *name = json_stringn(p, n);
        if (json_array_append_new(list, name) < 0) {
            json_decref(list);
            return NULL;
        }
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return list;
}

static json_t *step_json(const struct result_step *s)
{
    json_t *step = json_object();
    if (!step || set(step, "method", string_or_null(s->method)) < 0 ||
        set(step, "url", string_or_null(s->url)) < 0 ||
        set(step, "status", json_integer(s->status)) < 0 ||
        set(step, "code", string_or_null(s->code)) < 0 ||
        set(step, "elapsed_ms", json_integer(s->elapsed_ms)) < 0 ||
        set(step, "auth", json_string(step_auth_name(s->auth))) < 0 ||
        set(step, "decision", json_string(step_decision_name(s->decision))) < 0 ||
        set(step, "reason", string_or_null(s->reason)) < 0 ||
        set(step, "email", string_or_null(s->email)) < 0 ||
        set(step, "hop", json_integer(s->hop)) < 0 ||
        set(step, "redirected_from", string_or_null(s->redirected_from)) < 0 ||
        (s->query && set(step, "query", json_string(s->query)) < 0) ||
        (s->query && set(step, "answers", strings_json(s->answers, s->nanswers)) < 0) ||
        (s->tls.present && set(step, "tls", tls_json(&s->tls)) < 0) ||
        (s->auth_offered && set(step, "auth_offered", auth_offered_json(s->auth_offered)) < 0)) {
        json_decref(step);
        return NULL;
    }
    return step;
}

static json_t *steps_json(const struct ad_result *r)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < r->nsteps; i++) {
        if (json_array_append_new(list, step_json(&r->steps[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

char *ad_result_to_json(const ad_result *r)
{
    if (!r)
        return NULL;
    json_t *doc = json_object();
    if (!doc || set(doc, "result", result_json(r)) < 0 || set(doc, "steps", steps_json(r)) < 0) {
        json_decref(doc);
        return NULL;
    }
    /* Keys in insertion order, so the document reads in the order documented above. */
    char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(doc);
    if (!text)
        return NULL;
    /* The application may have given jansson other allocators; ad_free() is free(). */
    json_free_t jansson_free = free;
    json_get_alloc_funcs(NULL, &jansson_free);
    char *copy = strdup(text);
    jansson_free(text);
    return copy;
}
