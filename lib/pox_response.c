/*
 * POX responses (PROTOCOL.md §2.2-2.4): success (User, Account, Protocol*), redirects, errors.
 *
 * On parse, names are matched by local name below a Response whose namespace is checked, the
 * first occurrence of a single-valued element wins, and unknown elements are ignored except
 * inside a Protocol, where every leaf element is kept as a field (see pox.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pox.h"
#include "pox_internal.h"
#include "xmlsafe.h"

/* A single-valued text element and where its value lives in a structure. */
struct text_slot {
    const char *name;
    size_t offset;
};

static const struct text_slot user_slots[] = {
    {"DisplayName", offsetof(struct pox_user, display_name)},
    {"LegacyDN", offsetof(struct pox_user, legacy_dn)},
    {"AutoDiscoverSMTPAddress", offsetof(struct pox_user, smtp_address)},
    {"DeploymentId", offsetof(struct pox_user, deployment_id)},
};

/* RedirectURL is the spelling of the Account syntax block (PROTOCOL.md §0 trap 2). */
static const struct text_slot account_slots[] = {
    {"AccountType", offsetof(struct pox_response, account_type)},
    {"MicrosoftOnline", offsetof(struct pox_response, microsoft_online)},
    {"RedirectAddr", offsetof(struct pox_response, redirect_addr)},
    {"RedirectUrl", offsetof(struct pox_response, redirect_url)},
    {"RedirectURL", offsetof(struct pox_response, redirect_url)},
    {"Image", offsetof(struct pox_response, image)},
    {"ServiceHome", offsetof(struct pox_response, service_home)},
};

#define NSLOTS(a) (sizeof(a) / sizeof((a)[0]))

static char **slot_ptr(void *base, const struct text_slot *slot)
{
    return (char **)((char *)base + slot->offset);
}

/* 1 if node matched a slot (value taken), 0 if not, -1 on out of memory. */
static int take_slot(const xmlNode *node, const struct text_slot *slots, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++)
        if (xmlsafe_is(node, NULL, slots[i].name))
            return pox_take_text(slot_ptr(base, &slots[i]), node) < 0 ? -1 : 1;
    return 0;
}

/* ---- Protocol ---- */

static bool has_element_child(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

/* Unqualified attributes of a leaf, in document order; namespaced ones are not kept. */
static int take_leaf_attrs(const xmlNode *leaf, struct pox_field *field)
{
    for (const xmlAttr *a = leaf->properties; a; a = a->next) {
        if (a->ns)
            continue;
        xmlChar *v = xmlGetNoNsProp(leaf, a->name);
        if (!v)
            return -1;
        int rc = pox_field_add_attr(field, (const char *)a->name, (const char *)v);
        xmlFree(v);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int add_leaf(struct pox_protocol *proto, const char *path, const xmlNode *leaf)
{
    char *value = pox_text(leaf);
    if (!value)
        return -1;
    int rc = pox_protocol_add_field(proto, path, value);
    free(value);
    if (rc < 0)
        return -1;
    return take_leaf_attrs(leaf, &proto->fields[proto->nfields - 1]);
}

static char *join_path(const char *prefix, const char *name)
{
    size_t pl = prefix ? strlen(prefix) + 1 : 0, nl = strlen(name);
    char *p = malloc(pl + nl + 1);
    if (!p)
        return NULL;
    if (prefix) {
        memcpy(p, prefix, pl - 1);
        p[pl - 1] = '/';
    }
    memcpy(p + pl, name, nl + 1);
    return p;
}

/* Every leaf below parent becomes a field named by its path; containers only give names. */
static int collect_fields(struct pox_protocol *proto, const xmlNode *parent, const char *prefix,
                          const xmlNode *skip)
{
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c == skip)
            continue;
        char *path = join_path(prefix, (const char *)c->name);
        if (!path)
            return -1;
        int rc = has_element_child(c) ? collect_fields(proto, c, path, NULL)
                                      : add_leaf(proto, path, c);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int take_prop(char **dst, const xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (!v)
        return 0;
    *dst = strdup((const char *)v);
    xmlFree(v);
    return *dst ? 1 : -1;
}

/* The type is the Type attribute (mapiHttp form) or else the first leaf <Type> child. */
static int read_protocol(const xmlNode *node, struct pox_protocol *proto)
{
    const xmlNode *type_elem = NULL;
    int rc = take_prop(&proto->type, node, "Type");
    if (rc < 0 || take_prop(&proto->version, node, "Version") < 0)
        return -1;
    proto->type_as_attr = rc == 1;
    if (!proto->type_as_attr) {
        for (const xmlNode *c = node->children; c && !type_elem; c = c->next)
            if (xmlsafe_is(c, NULL, "Type") && !has_element_child(c))
                type_elem = c;
        if (type_elem && !(proto->type = pox_text(type_elem)))
            return -1;
    }
    return collect_fields(proto, node, NULL, type_elem);
}

/* ---- User, Account, Response ---- */

static int read_user(const xmlNode *user, struct pox_response *out)
{
    out->has_user = true;
    for (const xmlNode *c = user->children; c; c = c->next)
        if (take_slot(c, user_slots, NSLOTS(user_slots), &out->user) < 0)
            return -1;
    return 0;
}

static enum pox_action action_from_name(const char *s)
{
    /* Compared without case: the values are documented in camel case, servers vary. */
    for (enum pox_action a = POX_ACTION_SETTINGS; a <= POX_ACTION_REDIRECT_URL; a++)
        if (strcasecmp(s, pox_action_name(a)) == 0)
            return a;
    return POX_ACTION_NONE;
}

static int read_action(const xmlNode *node, struct pox_response *out)
{
    if (out->action != POX_ACTION_NONE)
        return 0;
    char *s = pox_text(node);
    if (!s)
        return -1;
    out->action = action_from_name(s);
    free(s);
    return 0;
}

static int read_account_child(const xmlNode *c, struct pox_response *out)
{
    int rc = take_slot(c, account_slots, NSLOTS(account_slots), out);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (xmlsafe_is(c, NULL, "Action"))
        return read_action(c, out);
    if (xmlsafe_is(c, NULL, "Protocol")) {
        struct pox_protocol *proto = pox_response_add_protocol(out, NULL);
        return proto ? read_protocol(c, proto) : -1;
    }
    if (xmlsafe_is(c, NULL, "PublicFolderInformation")) {
        const xmlNode *smtp = xmlsafe_child(c, NULL, "SmtpAddress");
        return smtp ? pox_take_text(&out->public_folder_smtp, smtp) : 0;
    }
    if (xmlsafe_is(c, NULL, "Error") && !out->has_account_error) {
        out->has_account_error = true;
        return pox_error_parse(c, &out->account_error);
    }
    return 0; /* unknown: ignored */
}

static int read_account(const xmlNode *account, struct pox_response *out)
{
    out->has_account = true;
    for (const xmlNode *c = account->children; c; c = c->next)
        if (read_account_child(c, out) < 0)
            return -1;
    return 0;
}

/* Success answers use the 2006a Outlook namespace, error answers the 2006 one (§2.4). */
static const xmlNode *find_response(const xmlNode *root)
{
    for (const xmlNode *c = root->children; c; c = c->next)
        if (xmlsafe_is(c, POX_NS_OUTLOOK_RESPONSE, "Response") ||
            xmlsafe_is(c, POX_NS_RESPONSE, "Response"))
            return c;
    return NULL;
}

/* An Error directly below Response makes the whole answer an error: the rest is ignored. */
static int read_response(const xmlNode *response, struct pox_response *out)
{
    const xmlNode *error = xmlsafe_child(response, NULL, "Error");
    if (error) {
        out->is_error = true;
        return pox_error_parse(error, &out->error);
    }
    const xmlNode *user = xmlsafe_child(response, NULL, "User");
    if (user && read_user(user, out) < 0)
        return -1;
    const xmlNode *account = xmlsafe_child(response, NULL, "Account");
    return account ? read_account(account, out) : 0;
}

enum pox_parse_error pox_response_parse(const char *body, size_t len, struct pox_response *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, false, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    const xmlNode *root = xmlDocGetRootElement(doc);
    const xmlNode *response = NULL;
    if (xmlsafe_is(root, POX_NS_RESPONSE, "Autodiscover"))
        response = find_response(root);
    if (!response)
        rc = POX_PARSE_SCHEMA;
    else if (read_response(response, out) < 0)
        rc = POX_PARSE_NOMEM;
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        pox_response_free(out);
    return rc;
}

/* ---- writing ---- */

/*
 * Conservative check of an element name taken from a field path: never emit broken markup.
 * No ':' either: a prefix would need a namespace declaration.
 */
static bool valid_name(const char *s)
{
    if (!*s || strchr("-.0123456789", *s))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || strchr("!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~", *s))
            return false;
    return true;
}

/* A path split in place into its components. */
struct path_parts {
    char *buf;
    char **part;
    size_t n;
};

static int split_path(const char *path, struct path_parts *pp)
{
    pp->n = 1;
    for (const char *p = path; *p; p++)
        pp->n += *p == '/';
    pp->buf = strdup(path);
    pp->part = calloc(pp->n, sizeof *pp->part);
    if (!pp->buf || !pp->part)
        return -1;
    char *save = pp->buf;
    for (size_t i = 0; i < pp->n; i++) {
        pp->part[i] = save;
        save = strchr(save, '/');
        if (save)
            *save++ = '\0';
        if (!valid_name(pp->part[i]))
            return -1;
    }
    return 0;
}

static void path_parts_free(struct path_parts *pp)
{
    free(pp->buf);
    free(pp->part);
    memset(pp, 0, sizeof *pp);
}

/* Closes the containers of *open (all but its leaf) from the innermost down to depth keep. */
static void close_containers(struct pox_writer *w, const struct path_parts *open, size_t keep)
{
    for (size_t i = open->n ? open->n - 1 : 0; i > keep; i--)
        pox_w_close(w, open->part[i - 1]);
}

/*
 * Fields are written in order; consecutive fields that share leading containers share the
 * elements ("Internal/OWAUrl", "Internal/Protocol/Type" -> one <Internal>), so the fields a
 * parse gives back are exactly the fields written.
 */
static void write_fields(struct pox_writer *w, const struct pox_protocol *proto)
{
    struct path_parts open = {0};
    for (size_t i = 0; i < proto->nfields && !w->failed; i++) {
        const struct pox_field *f = &proto->fields[i];
        struct path_parts pp;
        if (split_path(f->path, &pp) < 0) {
            w->failed = true;
            path_parts_free(&pp);
            break;
        }
        size_t common = 0;
        while (common + 1 < open.n && common + 1 < pp.n &&
               strcmp(open.part[common], pp.part[common]) == 0)
            common++;
        close_containers(w, &open, common);
        for (size_t k = common; k + 1 < pp.n; k++)
            pox_w_open(w, pp.part[k], NULL, 0);
        pox_w_leaf(w, pp.part[pp.n - 1], f->attrs, f->nattrs, f->value);
        path_parts_free(&open);
        open = pp;
    }
    close_containers(w, &open, 0);
    path_parts_free(&open);
}

static void write_protocol(struct pox_writer *w, const struct pox_protocol *proto)
{
    struct pox_attr attrs[2];
    size_t n = 0;
    if (proto->type_as_attr && proto->type)
        attrs[n++] = (struct pox_attr){"Type", proto->type};
    if (proto->version)
        attrs[n++] = (struct pox_attr){"Version", proto->version};
    pox_w_open(w, "Protocol", attrs, n);
    if (!proto->type_as_attr)
        pox_w_opt(w, "Type", proto->type);
    write_fields(w, proto);
    pox_w_close(w, "Protocol");
}

static void write_slots(struct pox_writer *w, const struct text_slot *slots, size_t n,
                        const void *base)
{
    for (size_t i = 0; i < n; i++)
        pox_w_opt(w, slots[i].name, *slot_ptr((void *)base, &slots[i]));
}

static void write_account(struct pox_writer *w, const struct pox_response *r)
{
    pox_w_open(w, "Account", NULL, 0);
    pox_w_opt(w, "AccountType", r->account_type);
    if (r->action != POX_ACTION_NONE)
        pox_w_leaf(w, "Action", NULL, 0, pox_action_name(r->action));
    pox_w_opt(w, "MicrosoftOnline", r->microsoft_online);
    pox_w_opt(w, "RedirectAddr", r->redirect_addr);
    pox_w_opt(w, "RedirectUrl", r->redirect_url);
    pox_w_opt(w, "Image", r->image);
    pox_w_opt(w, "ServiceHome", r->service_home);
    for (size_t i = 0; i < r->nprotocols; i++)
        write_protocol(w, &r->protocols[i]);
    if (r->public_folder_smtp) {
        pox_w_open(w, "PublicFolderInformation", NULL, 0);
        pox_w_leaf(w, "SmtpAddress", NULL, 0, r->public_folder_smtp);
        pox_w_close(w, "PublicFolderInformation");
    }
    if (r->has_account_error)
        pox_error_write(w, &r->account_error);
    pox_w_close(w, "Account");
}

/* Room made before writing: an Outlook answer is 2-3 KiB, so most need no reallocation. */
#define POX_WRITE_RESERVE 4096

int pox_response_write(const struct pox_response *resp, struct adbuf *out)
{
    /* Only a hint: a smaller max, or no memory now, is dealt with by the appends. */
    (void)adbuf_reserve(out, out->max < POX_WRITE_RESERVE ? out->max : POX_WRITE_RESERVE);
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    struct pox_attr ns = {"xmlns", POX_NS_RESPONSE};
    pox_w_open(&w, "Autodiscover", &ns, 1);
    if (resp->is_error) {
        pox_w_open(&w, "Response", &ns, 1);
        pox_error_write(&w, &resp->error);
    } else {
        struct pox_attr ns_a = {"xmlns", POX_NS_OUTLOOK_RESPONSE};
        pox_w_open(&w, "Response", &ns_a, 1);
        if (resp->has_user) {
            pox_w_open(&w, "User", NULL, 0);
            write_slots(&w, user_slots, NSLOTS(user_slots), &resp->user);
            pox_w_close(&w, "User");
        }
        if (resp->has_account)
            write_account(&w, resp);
    }
    pox_w_close(&w, "Response");
    pox_w_close(&w, "Autodiscover");
    return pox_w_end(&w);
}

void pox_response_free(struct pox_response *resp)
{
    if (!resp)
        return;
    pox_error_clear(&resp->error);
    free(resp->user.display_name);
    free(resp->user.legacy_dn);
    free(resp->user.smtp_address);
    free(resp->user.deployment_id);
    free(resp->account_type);
    free(resp->microsoft_online);
    free(resp->redirect_addr);
    free(resp->redirect_url);
    free(resp->image);
    free(resp->service_home);
    free(resp->public_folder_smtp);
    pox_error_clear(&resp->account_error);
    for (size_t i = 0; i < resp->nprotocols; i++)
        pox_protocol_clear(&resp->protocols[i]);
    free(resp->protocols);
    memset(resp, 0, sizeof *resp);
}
