/*
 * result: construction of an ad_result by the engine, and the public accessors. Accessors
 * answer NULL (or 0) for a NULL result or an index out of range, never crash.
 */
#include "result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *step_decision_name(enum step_decision decision)
{
    switch (decision) {
    case STEP_SUCCESS:
        return "success";
    case STEP_RETRY_WITH_CREDENTIALS:
        return "retry-with-credentials";
    case STEP_NEXT_CANDIDATE:
        return "next-candidate";
    case STEP_STOP:
        return "stop";
    case STEP_FOLLOW_REDIRECT:
        return "follow-redirect";
    case STEP_RESTART_WITH_ADDRESS:
        return "restart-with-address";
    case STEP_REFUSED_CONSENT:
        return "refused-consent";
    case STEP_RETRY_AFTER_TIMEOUT:
        return "retry-after-timeout";
    case STEP_CANCELLED:
        return "cancelled";
    case STEP_HELD:
        return "held";
    case STEP_PROCEED:
        return "proceed";
    }
    return "stop";
}

const char *step_auth_name(enum step_auth auth)
{
    return auth == STEP_AUTH_BASIC ? "basic" : "none";
}

const char *result_code_name(ad_code code)
{
    static const char *const names[] = {
        [AD_OK] = "AD_OK",
        [AD_E_INVALID_ARGUMENT] = "AD_E_INVALID_ARGUMENT",
        [AD_E_NOMEM] = "AD_E_NOMEM",
        [AD_E_BAD_ADDRESS] = "AD_E_BAD_ADDRESS",
        [AD_E_FILE] = "AD_E_FILE",
        [AD_E_NOT_FOUND] = "AD_E_NOT_FOUND",
        [AD_E_AUTH] = "AD_E_AUTH",
        [AD_E_SERVER_ERROR] = "AD_E_SERVER_ERROR",
        [AD_E_INTERNAL] = "AD_E_INTERNAL",
        [AD_E_REDIRECT_LIMIT] = "AD_E_REDIRECT_LIMIT",
    };
    if ((unsigned)code < sizeof names / sizeof names[0] && names[code])
        return names[code];
    return "AD_E_UNKNOWN";
}

struct ad_result *result_new(const char *email)
{
    struct ad_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->code = AD_E_INTERNAL;
    r->protocol = "pox";
    if (email && !(r->email = strdup(email))) {
        free(r);
        return NULL;
    }
    return r;
}

static int steps_grow(struct ad_result *r)
{
    if (r->nsteps < r->capacity)
        return 0;
    size_t capacity = r->capacity ? r->capacity * 2 : 8;
    struct result_step *steps = realloc(r->steps, capacity * sizeof *steps);
    if (!steps)
        return -1;
    r->steps = steps;
    r->capacity = capacity;
    return 0;
}

int result_add_step(struct ad_result *r, const char *method, const char *url, int status,
                    const char *code, long elapsed_ms, enum step_auth auth,
                    enum step_decision decision, const char *reason)
{
    if (steps_grow(r) < 0)
        return -1;
    struct result_step step = {
        .method = method,
        .url = strdup(url ? url : ""),
        .status = status,
        .code = code ? code : OUTLOOK_CODE_NONE,
        .elapsed_ms = elapsed_ms,
        .auth = auth,
        .decision = decision,
        .reason = strdup(reason ? reason : ""),
    };
    if (!step.url || !step.reason) {
        free(step.url);
        free(step.reason);
        return -1;
    }
    r->steps[r->nsteps++] = step;
    return 0;
}

struct result_step *result_last_step(struct ad_result *r)
{
    return r->nsteps ? &r->steps[r->nsteps - 1] : NULL;
}

/* Replaces *slot with a copy of value (NULL allowed). 0 or -1. */
static int replace_string(char **slot, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

int result_step_set_context(struct result_step *s, const char *email, int hop, const char *from)
{
    s->hop = hop;
    if (replace_string(&s->email, email) < 0 || replace_string(&s->redirected_from, from) < 0)
        return -1;
    return 0;
}

int result_step_set_query(struct result_step *s, const char *query)
{
    if (replace_string(&s->query, query) < 0)
        return -1;
    free(s->url);
    s->url = NULL;
    return 0;
}

/* Appends a copy of str to the list *v of *n strings. 0 or -1 (OOM). */
static int strings_append(char ***v, size_t *n, const char *str)
{
    char **grown = realloc(*v, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *v = grown;
    if (!(grown[*n] = strdup(str)))
        return -1;
    (*n)++;
    return 0;
}

static void strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int result_step_add_answer(struct result_step *s, const char *answer)
{
    return strings_append(&s->answers, &s->nanswers, answer);
}

/* The formatted line, or NULL (OOM). */
static char *format_line(const char *fmt, va_list ap)
{
    char *line = NULL;
    return vasprintf(&line, fmt, ap) < 0 ? NULL : line;
}

int result_add_warning(struct ad_result *r, const char *fmt, ...)
{
    if (r->nwarnings >= RESULT_MAX_WARNINGS)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    char *line = format_line(fmt, ap);
    va_end(ap);
    int rc = line ? strings_append(&r->warnings, &r->nwarnings, line) : -1;
    free(line);
    return rc;
}

static int copy_opt(char **dst, const char *src)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

static int tls_copy(struct http_tls *dst, const struct http_tls *src)
{
    memset(dst, 0, sizeof *dst);
    dst->present = src->present;
    dst->verified = src->verified;
    if (copy_opt(&dst->version, src->version) < 0 || copy_opt(&dst->cipher, src->cipher) < 0 ||
        copy_opt(&dst->subject, src->subject) < 0 || copy_opt(&dst->issuer, src->issuer) < 0 ||
        copy_opt(&dst->not_before, src->not_before) < 0 ||
        copy_opt(&dst->not_after, src->not_after) < 0 || copy_opt(&dst->error, src->error) < 0)
        goto fail;
    size_t n = src->nnames < HTTP_TLS_MAX_NAMES ? src->nnames : HTTP_TLS_MAX_NAMES;
    if (n && !(dst->names = calloc(n, sizeof *dst->names)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (!(dst->names[i] = strdup(src->names[i])))
            goto fail;
        dst->nnames++;
    }
    return 0;
fail:
    http_tls_free(dst);
    return -1;
}

int result_step_set_http(struct result_step *s, const struct http_response *resp)
{
    struct http_tls tls;
    char *offered = NULL;
    if (tls_copy(&tls, &resp->tls) < 0)
        return -1;
    if (copy_opt(&offered, resp->auth_offered) < 0) {
        http_tls_free(&tls);
        return -1;
    }
    http_tls_free(&s->tls);
    free(s->auth_offered);
    s->tls = tls;
    s->auth_offered = offered;
    return 0;
}

const char *result_step_tls_field(const struct result_step *s, const char *name)
{
    const struct http_tls *t = &s->tls;
    if (!t->present || !name)
        return NULL;
    if (strcmp(name, "verified") == 0)
        return t->verified ? "true" : "false";
    if (strcmp(name, "version") == 0)
        return t->version;
    if (strcmp(name, "cipher") == 0)
        return t->cipher;
    if (strcmp(name, "subject") == 0)
        return t->subject;
    if (strcmp(name, "issuer") == 0)
        return t->issuer;
    if (strcmp(name, "not_before") == 0)
        return t->not_before;
    if (strcmp(name, "not_after") == 0)
        return t->not_after;
    if (strcmp(name, "error") == 0)
        return t->error;
    return NULL;
}

int result_set_email(struct ad_result *r, const char *email)
{
    return replace_string(&r->email, email);
}

int result_set_answer(struct ad_result *r, const char *url, const char *method,
                      struct pox_response *answer)
{
    char *copy = strdup(url);
    if (!copy)
        return -1;
    free(r->url);
    r->url = copy;
    r->method = method;
    if (r->has_answer)
        pox_response_free(&r->answer);
    r->answer = *answer;
    r->has_answer = true;
    memset(answer, 0, sizeof *answer);
    return 0;
}

/* Appends {name, value, message} to a list. 0 or -1 (OOM). */
static int settings_append(struct result_setting **list, size_t *n, const char *name,
                           const char *value, const char *message)
{
    struct result_setting *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *list = grown;
    struct result_setting s = {.name = strdup(name ? name : ""),
                               .value = strdup(value ? value : ""),
                               .message = message ? strdup(message) : NULL};
    if (!s.name || !s.value || (message && !s.message)) {
        free(s.name);
        free(s.value);
        free(s.message);
        return -1;
    }
    grown[(*n)++] = s;
    return 0;
}

int result_add_setting(struct ad_result *r, const char *name, const char *value)
{
    return settings_append(&r->settings, &r->nsettings, name, value, NULL);
}

int result_add_setting_error(struct ad_result *r, const char *name, const char *code,
                             const char *message)
{
    return settings_append(&r->setting_errors, &r->nsetting_errors, name, code, message);
}

static void settings_free(struct result_setting *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].value);
        free(list[i].message);
    }
    free(list);
}

int result_set_outcome(struct ad_result *r, ad_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *reason = format_line(fmt, ap);
    va_end(ap);
    if (!reason)
        return -1;
    free(r->reason);
    r->reason = reason;
    r->code = code;
    return 0;
}

void ad_result_free(ad_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsteps; i++) {
        struct result_step *step = &r->steps[i];
        free(step->url);
        free(step->reason);
        free(step->email);
        free(step->redirected_from);
        free(step->query);
        strings_free(step->answers, step->nanswers);
        http_tls_free(&step->tls);
        free(step->auth_offered);
    }
    free(r->steps);
    if (r->has_answer)
        pox_response_free(&r->answer);
    settings_free(r->settings, r->nsettings);
    settings_free(r->setting_errors, r->nsetting_errors);
    strings_free(r->warnings, r->nwarnings);
    free(r->reason);
    free(r->email);
    free(r->url);
    free(r);
}

ad_code ad_result_code(const ad_result *r)
{
    return r ? r->code : AD_E_INVALID_ARGUMENT;
}

const char *ad_result_reason(const ad_result *r)
{
    return r ? r->reason : NULL;
}

const char *ad_result_email(const ad_result *r)
{
    return r ? r->email : NULL;
}

const char *ad_result_url(const ad_result *r)
{
    return r ? r->url : NULL;
}

const char *ad_result_method(const ad_result *r)
{
    return r ? r->method : NULL;
}

const char *ad_result_action(const ad_result *r)
{
    return r && r->has_answer ? pox_action_name(r->answer.action) : NULL;
}

const char *ad_result_user(const ad_result *r, const char *name)
{
    if (!r || !r->has_answer || !r->answer.has_user || !name)
        return NULL;
    const struct pox_user *u = &r->answer.user;
    if (strcmp(name, "DisplayName") == 0)
        return u->display_name;
    if (strcmp(name, "LegacyDN") == 0)
        return u->legacy_dn;
    if (strcmp(name, "AutoDiscoverSMTPAddress") == 0)
        return u->smtp_address;
    if (strcmp(name, "DeploymentId") == 0)
        return u->deployment_id;
    return NULL;
}

static const struct pox_protocol *protocol_at(const ad_result *r, size_t index)
{
    if (!r || !r->has_answer || index >= r->answer.nprotocols)
        return NULL;
    return &r->answer.protocols[index];
}

size_t ad_result_protocol_count(const ad_result *r)
{
    return r && r->has_answer ? r->answer.nprotocols : 0;
}

const char *ad_result_protocol_type(const ad_result *r, size_t index)
{
    const struct pox_protocol *p = protocol_at(r, index);
    return p ? p->type : NULL;
}

const char *ad_result_protocol_get(const ad_result *r, size_t index, const char *path)
{
    const struct pox_protocol *p = protocol_at(r, index);
    return p && path ? pox_protocol_get(p, path) : NULL;
}

size_t ad_result_protocol_field_count(const ad_result *r, size_t index)
{
    const struct pox_protocol *p = protocol_at(r, index);
    return p ? p->nfields : 0;
}

ad_code ad_result_protocol_field(const ad_result *r, size_t index, size_t field, const char **path,
                                 const char **value)
{
    const struct pox_protocol *p = protocol_at(r, index);
    if (!p || field >= p->nfields)
        return AD_E_INVALID_ARGUMENT;
    if (path)
        *path = p->fields[field].path;
    if (value)
        *value = p->fields[field].value;
    return AD_OK;
}

static const struct result_step *step_at(const ad_result *r, size_t index)
{
    return r && index < r->nsteps ? &r->steps[index] : NULL;
}

size_t ad_result_step_count(const ad_result *r)
{
    return r ? r->nsteps : 0;
}

const char *ad_result_step_method(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->method : NULL;
}

const char *ad_result_step_url(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->url : NULL;
}

int ad_result_step_status(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->status : 0;
}

const char *ad_result_step_code(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->code : NULL;
}

const char *ad_result_step_auth(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? step_auth_name(s->auth) : NULL;
}

const char *ad_result_step_decision(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? step_decision_name(s->decision) : NULL;
}

const char *ad_result_step_reason(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->reason : NULL;
}

long ad_result_step_elapsed_ms(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->elapsed_ms : 0;
}

const char *ad_result_step_query(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->query : NULL;
}

const char *ad_result_step_email(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->email : NULL;
}

const char *ad_result_step_redirected_from(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->redirected_from : NULL;
}

int ad_result_step_hop(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->hop : 0;
}

const char *ad_result_step_tls_field(const ad_result *r, size_t index, const char *name)
{
    const struct result_step *s = step_at(r, index);
    return s ? result_step_tls_field(s, name) : NULL;
}

size_t ad_result_step_tls_name_count(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s && s->tls.present ? s->tls.nnames : 0;
}

const char *ad_result_step_tls_name(const ad_result *r, size_t index, size_t name)
{
    const struct result_step *s = step_at(r, index);
    return s && s->tls.present && name < s->tls.nnames ? s->tls.names[name] : NULL;
}

const char *ad_result_step_auth_offered(const ad_result *r, size_t index)
{
    const struct result_step *s = step_at(r, index);
    return s ? s->auth_offered : NULL;
}

int ad_result_from_cache(const ad_result *r)
{
    return r && r->from_cache;
}

int ad_result_redirects(const ad_result *r)
{
    return r ? r->redirects : 0;
}

size_t ad_result_warning_count(const ad_result *r)
{
    return r ? r->nwarnings : 0;
}

const char *ad_result_warning(const ad_result *r, size_t index)
{
    return r && index < r->nwarnings ? r->warnings[index] : NULL;
}

const char *ad_result_protocol_name(const ad_result *r)
{
    return r ? r->protocol : NULL;
}

const char *ad_result_setting(const ad_result *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->nsettings; i++)
        if (strcmp(r->settings[i].name, name) == 0)
            return r->settings[i].value;
    return NULL;
}

size_t ad_result_setting_count(const ad_result *r)
{
    return r ? r->nsettings : 0;
}

ad_code ad_result_setting_at(const ad_result *r, size_t index, const char **name,
                             const char **value)
{
    if (!r || index >= r->nsettings)
        return AD_E_INVALID_ARGUMENT;
    if (name)
        *name = r->settings[index].name;
    if (value)
        *value = r->settings[index].value;
    return AD_OK;
}

size_t ad_result_setting_error_count(const ad_result *r)
{
    return r ? r->nsetting_errors : 0;
}

ad_code ad_result_setting_error_at(const ad_result *r, size_t index, const char **name,
                                   const char **code, const char **message)
{
    if (!r || index >= r->nsetting_errors)
        return AD_E_INVALID_ARGUMENT;
    const struct result_setting *e = &r->setting_errors[index];
    if (name)
        *name = e->name;
    if (code)
        *code = e->value;
    if (message)
        *message = e->message;
    return AD_OK;
}
