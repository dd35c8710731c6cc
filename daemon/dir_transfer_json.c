/*
 * dir_transfer_json: records as one JSON document:
 *   {"format": 1, "pods": [...], "organisations": [{..., "protocols": [{"type", "version",
 *    "fields": [{"path", "value", "attributes"}]}]}], "domains": [...],
 *    "mailboxes": [{..., "enabled": true, "aliases": ["a@b"], "protocols": [...]}]}
 * Absent optional values are null. Errors name the record by its path in the document
 * (mailboxes[12]).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dir_transfer.h"

#define JSON_FORMAT_VERSION 1

struct json_writer {
    struct dir_sink sink;
    FILE *out;
    json_t *root;
    json_t *owner;    /* the latest organisation or mailbox */
    json_t *protocol; /* the latest protocol */
};

static const char *const array_of[DIR_REC_KINDS] = {
    [DIR_REC_POD] = "pods",
    [DIR_REC_ORG] = "organisations",
    [DIR_REC_DOMAIN] = "domains",
    [DIR_REC_MAILBOX] = "mailboxes",
};

static json_t *value_of(const struct dir_rec *rec, unsigned i)
{
    if (!rec->v[i])
        return json_null();
    if (rec->kind == DIR_REC_MAILBOX && i == 5)
        return json_boolean(strcmp(rec->v[i], "1") == 0);
    return json_string(rec->v[i]);
}

/* An object of rec's values from first on; NULL out of memory. */
static json_t *object_of(const struct dir_rec *rec, unsigned first)
{
    json_t *o = json_object();
    for (unsigned i = first; o && i < dir_rec_nvalues[rec->kind]; i++)
        if (json_object_set_new(o, dir_rec_keys[rec->kind][i], value_of(rec, i)) < 0) {
            json_decref(o);
            o = NULL;
        }
    return o;
}

/* Appends item (reference stolen) to the array key of parent, creating it. */
static int append(json_t *parent, const char *key, json_t *item)
{
    json_t *a = json_object_get(parent, key);
    if (!a && json_object_set_new(parent, key, a = json_array()) < 0)
        a = NULL;
    if (!a || !item) {
        json_decref(item);
        return -1;
    }
    return json_array_append_new(a, item);
}

static int json_put(struct dir_sink *sink, const struct dir_rec *rec, char *err, size_t errlen)
{
    struct json_writer *w = (struct json_writer *)sink;
    int rc;
    switch (rec->kind) {
    case DIR_REC_PROTOCOL:
        /* owner kind and name are implied by where it sits */
        w->protocol = object_of(rec, 2);
        rc =
            w->owner && w->protocol && json_object_set_new(w->protocol, "fields", json_array()) == 0
                ? append(w->owner, "protocols", json_incref(w->protocol))
                : -1;
        json_decref(w->protocol);
        break;
    case DIR_REC_FIELD:
        rc = w->protocol ? append(w->protocol, "fields", object_of(rec, 0)) : -1;
        break;
    case DIR_REC_ALIAS:
        rc = w->owner ? append(w->owner, "aliases", json_string(rec->v[0])) : -1;
        break;
    default: {
        json_t *o = object_of(rec, 0);
        bool owner = rec->kind == DIR_REC_ORG || rec->kind == DIR_REC_MAILBOX;
        if (o && owner && json_object_set_new(o, "protocols", json_array()) < 0)
            o = (json_decref(o), NULL);
        if (o && rec->kind == DIR_REC_MAILBOX &&
            json_object_set_new(o, "aliases", json_array()) < 0)
            o = (json_decref(o), NULL);
        w->owner = owner ? o : w->owner;
        rc = append(w->root, array_of[rec->kind], o);
    }
    }
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

struct dir_sink *dir_json_writer_new(FILE *out)
{
    struct json_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->sink.put = json_put;
    w->out = out;
    w->root = json_object();
    /* Every array present even when empty: a reader needs no special case. */
    bool ok =
        w->root && json_object_set_new(w->root, "format", json_integer(JSON_FORMAT_VERSION)) == 0;
    for (int k = 0; ok && k < DIR_REC_KINDS; k++)
        if (array_of[k])
            ok = json_object_set_new(w->root, array_of[k], json_array()) == 0;
    if (!ok) {
        json_decref(w->root);
        free(w);
        return NULL;
    }
    return &w->sink;
}

void dir_json_writer_free(struct dir_sink *sink)
{
    struct json_writer *w = (struct json_writer *)sink;
    if (!w)
        return;
    json_decref(w->root);
    free(w);
}

int dir_json_writer_finish(struct dir_sink *sink)
{
    struct json_writer *w = (struct json_writer *)sink;
    int rc = json_dumpf(w->root, w->out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 &&
                     fputc('\n', w->out) != EOF
                 ? 0
                 : -1;
    dir_json_writer_free(sink);
    return rc;
}

/* --- reading --- */

struct reader {
    struct dir_sink *sink;
    const char *name;
    char *err;
    size_t errlen;
};

/* rec's values from obj's members (first on); -1 with err when one has the wrong type. */
static int values_from(const json_t *obj, struct dir_rec *rec, unsigned first, char *reason,
                       size_t rlen)
{
    if (!json_is_object(obj))
        return snprintf(reason, rlen, "not an object"), -1;
    for (unsigned i = first; i < dir_rec_nvalues[rec->kind]; i++) {
        const char *key = dir_rec_keys[rec->kind][i];
        json_t *v = json_object_get(obj, key);
        if (rec->kind == DIR_REC_MAILBOX && i == 5) {
            if (!json_is_boolean(v))
                return snprintf(reason, rlen, "%s is not true or false", key), -1;
            rec->v[i] = json_is_true(v) ? "1" : "0";
        } else if (!v || json_is_null(v)) {
            rec->v[i] = NULL;
        } else if (json_is_string(v)) {
            rec->v[i] = json_string_value(v);
        } else {
            return snprintf(reason, rlen, "%s is not a string", key), -1;
        }
    }
    return 0;
}

static int put_at(struct reader *r, const struct dir_rec *rec, const char *where)
{
    char reason[512];
    if (r->sink->put(r->sink, rec, reason, sizeof reason) == 0)
        return 0;
    snprintf(r->err, r->errlen, "%s: %s (%.128s): %s", r->name, where, rec->v[0] ? rec->v[0] : "",
             reason);
    return -1;
}

static int fail_at(struct reader *r, const char *where, const char *reason)
{
    snprintf(r->err, r->errlen, "%s: %s: %s", r->name, where, reason);
    return -1;
}

/* The protocols array of owner (kind "org" or "mailbox", named name) at where. */
static int read_protocols(struct reader *r, const json_t *owner, const char *kind, const char *name,
                          const char *where)
{
    const json_t *protocols = json_object_get(owner, "protocols");
    if (!protocols || json_is_null(protocols))
        return 0;
    if (!json_is_array(protocols))
        return fail_at(r, where, "protocols is not an array");
    char at[256], reason[256];
    size_t i, k;
    const json_t *p, *f;
    json_array_foreach(protocols, i, p)
    {
        snprintf(at, sizeof at, "%s.protocols[%zu]", where, i);
        struct dir_rec rec = {DIR_REC_PROTOCOL, {kind, name}};
        if (values_from(p, &rec, 2, reason, sizeof reason) < 0)
            return fail_at(r, at, reason);
        if (put_at(r, &rec, at) < 0)
            return -1;
        const json_t *fields = json_object_get(p, "fields");
        if (fields && !json_is_array(fields))
            return fail_at(r, at, "fields is not an array");
        json_array_foreach(fields, k, f)
        {
            char fat[300];
            snprintf(fat, sizeof fat, "%s.fields[%zu]", at, k);
            struct dir_rec field = {DIR_REC_FIELD, {NULL}};
            if (values_from(f, &field, 0, reason, sizeof reason) < 0)
                return fail_at(r, fat, reason);
            if (put_at(r, &field, fat) < 0)
                return -1;
        }
    }
    return 0;
}

static int read_kind(struct reader *r, const json_t *root, enum dir_rec_kind kind)
{
    const char *key = array_of[kind];
    const json_t *items = json_object_get(root, key);
    if (!items)
        return 0;
    if (!json_is_array(items))
        return fail_at(r, key, "not an array");
    size_t i;
    const json_t *item;
    char at[128], reason[256];
    json_array_foreach(items, i, item)
    {
        snprintf(at, sizeof at, "%s[%zu]", key, i);
        struct dir_rec rec = {kind, {NULL}};
        if (values_from(item, &rec, 0, reason, sizeof reason) < 0)
            return fail_at(r, at, reason);
        if (put_at(r, &rec, at) < 0)
            return -1;
        if (kind == DIR_REC_MAILBOX) {
            const json_t *aliases = json_object_get(item, "aliases"), *a;
            if (aliases && !json_is_array(aliases))
                return fail_at(r, at, "aliases is not an array");
            size_t k;
            json_array_foreach(aliases, k, a)
            {
                struct dir_rec alias = {DIR_REC_ALIAS, {json_string_value(a), rec.v[0]}};
                if (!json_is_string(a))
                    return fail_at(r, at, "an alias is not a string");
                if (put_at(r, &alias, at) < 0)
                    return -1;
            }
        }
        if ((kind == DIR_REC_ORG || kind == DIR_REC_MAILBOX) &&
            read_protocols(r, item, kind == DIR_REC_ORG ? "org" : "mailbox", rec.v[0], at) < 0)
            return -1;
    }
    return 0;
}

int dir_json_read(FILE *in, const char *name, struct dir_sink *sink, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadf(in, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s: line %d: %s", name, jerr.line, jerr.text);
        return -1;
    }
    struct reader r = {sink, name, err, errlen};
    int rc = 0;
    const json_t *format = json_object_get(root, "format");
    if (!json_is_object(root) || !json_is_integer(format) ||
        json_integer_value(format) != JSON_FORMAT_VERSION)
        rc = fail_at(&r, "format", "not an autodiscover directory export of format 1");
    static const enum dir_rec_kind order[] = {DIR_REC_POD, DIR_REC_ORG, DIR_REC_DOMAIN,
                                              DIR_REC_MAILBOX};
    for (size_t i = 0; rc == 0 && i < sizeof order / sizeof order[0]; i++)
        rc = read_kind(&r, root, order[i]);
    json_decref(root);
    return rc;
}
