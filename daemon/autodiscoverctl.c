/*
 * autodiscoverctl: administers the SQLite directory (doc/autodiscoverctl.md).
 *
 *   autodiscoverctl --db PATH COMMAND [ARGS...]
 *
 * Exit status: 0 done, 1 the operation failed, 2 usage error. Every failure prints one
 * line on stderr. Passwords come from --password-file, AUTODISCOVER_PASSWORD or a
 * no-echo prompt; never from the command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <termios.h>
#include <unistd.h>

#include "dir_admin.h"
#include "dir_sqlite.h"
#include "dir_transfer.h"
#include "password.h"
#include "protocol_schema.h"
#include "scp_publish.h"
#include "selftest.h"
#include "analyzer.h"

#define EXIT_USAGE 2
#define PASSWORD_MAX 1024
#define HASH_MAX 256

static const char usage_text[] =
    "usage: autodiscoverctl --db PATH COMMAND [ARGS...]\n"
    "  init\n"
    "  upgrade\n"
    "  pod add NAME URL | pod change NAME URL | pod remove NAME | pod list [--json]\n"
    "  org add NAME [--deployment-id GUID] [--pod POD] [--routing-domain DOMAIN]\n"
    "  org change NAME [--pod POD|none] [--routing-domain DOMAIN|none]\n"
    "  org remove NAME | org list [--json]\n"
    "  domain add DOMAIN [--org NAME] | domain remove DOMAIN | domain list [--json]\n"
    "  mailbox add ADDRESS --name NAME [--legacy-dn DN] [--target-address ADDR]\n"
    "              [--password-file FILE]\n"
    "  mailbox passwd ADDRESS [--password-file FILE]\n"
    "  mailbox change ADDRESS [--name NAME] [--target-address ADDR|none] [--enabled yes|no]\n"
    "  mailbox remove ADDRESS | mailbox list [--json] | mailbox show ADDRESS [--json]\n"
    "  mailbox alias add ADDRESS ALIAS | mailbox alias remove ADDRESS ALIAS\n"
    "  mailbox delegate add|remove ADDRESS DELEGATE | mailbox delegate list [ADDRESS] [--json]\n"
    "  migrate ADDRESS --to TENANT\n"
    "  protocol add ORG|--mailbox ADDRESS TYPE [PATH=VALUE | PATH@ATTRIBUTE=VALUE ...]\n"
    "  protocol list ORG|--mailbox ADDRESS [--json]\n"
    "  protocol clear ORG|--mailbox ADDRESS\n"
    "  export [--format json|csv] [FILE]\n"
    "  import [--format json|csv] FILE\n"
    "autodiscoverctl selftest DOMAIN [--address ADDR --password-file FILE] [--cacert FILE]\n"
    "                [--connect-to H:P:H2:P2]... [--dns-server ADDR] [--json]\n"
    "autodiscoverctl hash-password [--password-file FILE]\n";

static noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "autodiscoverctl: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n%s", usage_text);
    va_end(ap);
    exit(EXIT_USAGE);
}

static int failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int failure(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "autodiscoverctl: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAILURE;
}

/* --- arguments: positionals plus "--name value" options --- */

struct args {
    const char *positional[4];
    size_t npositional;
    const char *org, *deployment_id, *name, *legacy_dn, *target_address, *password_file;
    const char *pod, *routing_domain, *to, *enabled, *mailbox, *format;
    bool json;
    char **rest; /* protocol add: PATH=VALUE arguments */
    size_t nrest;
};

struct option_slot {
    const char *flag;
    size_t offset;
};

static const struct option_slot option_slots[] = {
    {"--org", offsetof(struct args, org)},
    {"--deployment-id", offsetof(struct args, deployment_id)},
    {"--name", offsetof(struct args, name)},
    {"--legacy-dn", offsetof(struct args, legacy_dn)},
    {"--target-address", offsetof(struct args, target_address)},
    {"--password-file", offsetof(struct args, password_file)},
    {"--pod", offsetof(struct args, pod)},
    {"--routing-domain", offsetof(struct args, routing_domain)},
    {"--to", offsetof(struct args, to)},
    {"--enabled", offsetof(struct args, enabled)},
    {"--mailbox", offsetof(struct args, mailbox)},
    {"--format", offsetof(struct args, format)},
};

/* Collects options and up to max_positional positionals; the rest go to args->rest. */
static void parse_args(int argc, char **argv, size_t max_positional, bool allow_rest,
                       struct args *a)
{
    for (int i = 0; i < argc; i++) {
        const struct option_slot *slot = NULL;
        for (size_t k = 0; k < sizeof option_slots / sizeof option_slots[0]; k++)
            if (strcmp(argv[i], option_slots[k].flag) == 0)
                slot = &option_slots[k];
        if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
        } else if (slot) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", argv[i]);
            const char **field = (const char **)((char *)a + slot->offset);
            if (*field)
                usage_error("%s given twice", argv[i]);
            *field = argv[++i];
        } else if (strncmp(argv[i], "--", 2) == 0) {
            usage_error("unknown option %s", argv[i]);
        } else if (a->npositional < max_positional) {
            a->positional[a->npositional++] = argv[i];
        } else if (allow_rest) {
            a->rest[a->nrest++] = argv[i];
        } else {
            usage_error("unexpected argument \"%s\"", argv[i]);
        }
    }
    if (a->npositional < max_positional)
        usage_error("missing argument");
}

/* Rejects options the command does not take (parse_args accepts all of them). */
static void only_options(const struct args *a, const char *allowed)
{
    for (size_t k = 0; k < sizeof option_slots / sizeof option_slots[0]; k++) {
        const char *const *field = (const char *const *)((const char *)a + option_slots[k].offset);
        if (*field && !strstr(allowed, option_slots[k].flag))
            usage_error("%s is not an option of this command", option_slots[k].flag);
    }
    if (a->json && !strstr(allowed, "--json"))
        usage_error("--json is not an option of this command");
}

/* --- passwords --- */

static int read_line(FILE *f, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, f))
        return -1;
    size_t n = strlen(buf);
    if (n == len - 1 && buf[n - 1] != '\n')
        return -1; /* longer than PASSWORD_MAX */
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int prompt_password(const char *prompt, char *buf, size_t len)
{
    struct termios saved, quiet;
    if (tcgetattr(STDIN_FILENO, &saved) < 0)
        return -1;
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    fprintf(stderr, "%s", prompt);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
        return -1;
    int rc = read_line(stdin, buf, len);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fputc('\n', stderr);
    return rc;
}

/* Gets the password and hashes it into hash. 0, or -1 after printing why. */
static int obtain_password_hash(const char *password_file, char *hash, size_t hashlen)
{
    char pw[PASSWORD_MAX + 2];
    const char *env = getenv("AUTODISCOVER_PASSWORD");
    int rc = -1;
    if (password_file) {
        FILE *f = fopen(password_file, "r");
        if (!f) {
            failure("%s: %s", password_file, strerror(errno));
            return -1;
        }
        int got = read_line(f, pw, sizeof pw);
        fclose(f);
        if (got < 0) {
            failure("%s: empty, unreadable or longer than %d bytes", password_file, PASSWORD_MAX);
            goto out;
        }
    } else if (env) {
        if (strlen(env) > PASSWORD_MAX) {
            failure("AUTODISCOVER_PASSWORD is longer than %d bytes", PASSWORD_MAX);
            return -1;
        }
        snprintf(pw, sizeof pw, "%s", env);
    } else if (isatty(STDIN_FILENO)) {
        char again[PASSWORD_MAX + 2];
        if (prompt_password("Password: ", pw, sizeof pw) < 0 ||
            prompt_password("Password again: ", again, sizeof again) < 0) {
            explicit_bzero(again, sizeof again);
            failure("cannot read the password");
            goto out;
        }
        bool same = strcmp(pw, again) == 0;
        explicit_bzero(again, sizeof again);
        if (!same) {
            failure("the passwords differ");
            goto out;
        }
    } else {
        failure("no password: use --password-file FILE, AUTODISCOVER_PASSWORD or a terminal");
        return -1;
    }
    if (pw[0] == '\0')
        failure("the password is empty");
    else if (password_hash(pw, hash, hashlen) < 0)
        failure("cannot compute the yescrypt hash");
    else
        rc = 0;
out:
    explicit_bzero(pw, sizeof pw);
    return rc;
}

/* --- protocol fields --- */

static bool valid_attribute_name(const char *s, size_t len)
{
    if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]))
            return false;
    return true;
}

/* Appends "name=value" to the attribute lines of field. */
static int field_add_attribute(struct dir_admin_field *field, const char *attr, size_t attrlen,
                               const char *value)
{
    char *lines;
    const char *prev = field->attributes;
    if (asprintf(&lines, "%s%s%.*s=%s", prev ? prev : "", prev ? "\n" : "", (int)attrlen, attr,
                 value) < 0)
        return -1;
    free(field->attributes);
    field->attributes = lines;
    return 0;
}

/* Splits PATH=VALUE and PATH@ATTR=VALUE arguments into fields. 0, or -1 after printing. */
static int parse_fields(const char *type, char **argv, size_t argc, struct dir_admin_field *fields,
                        size_t *nfields, const char **version)
{
    *nfields = 0;
    for (size_t i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i]) {
            failure("\"%s\": expected PATH=VALUE", argv[i]);
            return -1;
        }
        *eq = '\0';
        const char *path = argv[i], *value = eq + 1;
        char *at = strchr(argv[i], '@');
        if (strcmp(path, "Version") == 0 && protocol_type_as_attribute(type)) {
            *version = value;
            continue;
        }
        if (at)
            *at = '\0';
        if (!protocol_path_known(type, path)) {
            failure("unknown element \"%s\" for a %s Protocol (see autodiscoverctl(8))", path,
                    type);
            return -1;
        }
        if (!at) {
            fields[*nfields].path = path;
            fields[*nfields].value = value;
            fields[*nfields].attributes = NULL;
            (*nfields)++;
            continue;
        }
        /* An attribute belongs to the latest field with the same path. */
        struct dir_admin_field *owner = NULL;
        for (size_t k = *nfields; k-- > 0;)
            if (strcmp(fields[k].path, path) == 0) {
                owner = &fields[k];
                break;
            }
        const char *attr = at + 1;
        if (!owner) {
            failure("attribute %s@%s comes before any %s=VALUE", path, attr, path);
            return -1;
        }
        if (!valid_attribute_name(attr, strlen(attr)) || strchr(value, '\n')) {
            failure("\"%s@%s\": not a valid attribute name or value", path, attr);
            return -1;
        }
        if (field_add_attribute(owner, attr, strlen(attr), value) < 0) {
            failure("out of memory");
            return -1;
        }
    }
    return 0;
}

/* --- commands --- */

/* "none" clears an optional setting; NULL leaves it unchanged. */
static const char *none_to_empty(const char *v)
{
    return v && strcmp(v, "none") == 0 ? "" : v;
}

static bool is(const char *word, int argc, char **argv)
{
    return argc >= 1 && strcmp(argv[0], word) == 0;
}

static int cmd_pod(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv) || is("change", argc, argv)) {
        parse_args(argc - 1, argv + 1, 2, false, &a);
        only_options(&a, "");
        if (argv[0][0] == 'a')
            return dir_admin_pod_add(db, a.positional[0], a.positional[1], err, errlen);
        return dir_admin_pod_change(db, a.positional[0], a.positional[1], err, errlen);
    }
    if (is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "");
        return dir_admin_pod_remove(db, a.positional[0], err, errlen);
    }
    if (is("list", argc, argv)) {
        parse_args(argc - 1, argv + 1, 0, false, &a);
        only_options(&a, "--json");
        return dir_admin_pod_list(db, stdout, a.json, err, errlen);
    }
    usage_error("pod: expected add, change, remove or list");
}

static int cmd_org(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--deployment-id --pod --routing-domain");
        return dir_admin_tenant_add(db, a.positional[0], a.deployment_id, a.pod, a.routing_domain,
                                    err, errlen);
    }
    if (is("change", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--pod --routing-domain");
        return dir_admin_org_change(db, a.positional[0], none_to_empty(a.pod),
                                    none_to_empty(a.routing_domain), err, errlen);
    }
    if (is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "");
        return dir_admin_org_remove(db, a.positional[0], err, errlen);
    }
    if (is("list", argc, argv)) {
        parse_args(argc - 1, argv + 1, 0, false, &a);
        only_options(&a, "--json");
        return dir_admin_org_list(db, stdout, a.json, err, errlen);
    }
    usage_error("org: expected add, change, remove or list");
}

static int cmd_domain(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--org");
        return dir_admin_domain_add(db, a.positional[0], a.org, err, errlen);
    }
    if (is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "");
        return dir_admin_domain_remove(db, a.positional[0], err, errlen);
    }
    if (is("list", argc, argv)) {
        parse_args(argc - 1, argv + 1, 0, false, &a);
        only_options(&a, "--json");
        return dir_admin_domain_list(db, stdout, a.json, err, errlen);
    }
    usage_error("domain: expected add, remove or list");
}

static int cmd_alias(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv) || is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 2, false, &a);
        only_options(&a, "");
        if (argv[0][0] == 'a')
            return dir_admin_alias_add(db, a.positional[0], a.positional[1], err, errlen);
        return dir_admin_alias_remove(db, a.positional[0], a.positional[1], err, errlen);
    }
    usage_error("mailbox alias: expected add or remove");
}

static int cmd_delegate(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv) || is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 2, false, &a);
        only_options(&a, "");
        if (argv[0][0] == 'a')
            return dir_admin_delegate_add(db, a.positional[0], a.positional[1], err, errlen);
        return dir_admin_delegate_remove(db, a.positional[0], a.positional[1], err, errlen);
    }
    if (is("list", argc, argv)) {
        char *rest[2];
        a.rest = rest;
        if (argc - 1 > 2) /* [ADDRESS] [--json]: rest never needs more than two slots */
            usage_error("mailbox delegate list: expected [ADDRESS] [--json]");
        parse_args(argc - 1, argv + 1, 0, true, &a);
        only_options(&a, "--json");
        if (a.nrest > 1)
            usage_error("unexpected argument \"%s\"", a.rest[1]);
        return dir_admin_delegate_list(db, a.nrest ? a.rest[0] : NULL, stdout, a.json, err,
                                       errlen);
    }
    usage_error("mailbox delegate: expected add, remove or list");
}

static int cmd_mailbox(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    char hash[HASH_MAX];
    if (is("add", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--name --legacy-dn --target-address --password-file");
        if (!a.name)
            usage_error("mailbox add: --name is required");
        /* Check the address before asking for a password. */
        if (!dir_valid_address(a.positional[0])) {
            snprintf(err, errlen, "\"%s\" is not a valid e-mail address", a.positional[0]);
            return -1;
        }
        if (obtain_password_hash(a.password_file, hash, sizeof hash) < 0)
            return -2;
        return dir_admin_mailbox_add(db, a.positional[0], a.name, a.legacy_dn, a.target_address,
                                     hash, err, errlen);
    }
    if (is("passwd", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--password-file");
        if (obtain_password_hash(a.password_file, hash, sizeof hash) < 0)
            return -2;
        return dir_admin_mailbox_passwd(db, a.positional[0], hash, err, errlen);
    }
    if (is("change", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--name --target-address --enabled");
        int enabled = -1;
        if (a.enabled && strcmp(a.enabled, "yes") == 0)
            enabled = 1;
        else if (a.enabled && strcmp(a.enabled, "no") == 0)
            enabled = 0;
        else if (a.enabled)
            usage_error("--enabled: expected yes or no");
        return dir_admin_mailbox_change(db, a.positional[0], a.name,
                                        none_to_empty(a.target_address), enabled, err, errlen);
    }
    if (is("remove", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "");
        return dir_admin_mailbox_remove(db, a.positional[0], err, errlen);
    }
    if (is("alias", argc, argv))
        return cmd_alias(db, argc - 1, argv + 1, err, errlen);
    if (is("delegate", argc, argv))
        return cmd_delegate(db, argc - 1, argv + 1, err, errlen);
    if (is("list", argc, argv)) {
        parse_args(argc - 1, argv + 1, 0, false, &a);
        only_options(&a, "--json");
        return dir_admin_mailbox_list(db, stdout, a.json, err, errlen);
    }
    if (is("show", argc, argv)) {
        parse_args(argc - 1, argv + 1, 1, false, &a);
        only_options(&a, "--json");
        return dir_admin_mailbox_show(db, a.positional[0], stdout, a.json, err, errlen);
    }
    usage_error("mailbox: expected add, passwd, change, remove, alias, delegate, list or show");
}

static int cmd_migrate(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    parse_args(argc, argv, 1, false, &a);
    only_options(&a, "--to");
    if (!a.to)
        usage_error("migrate: --to TENANT is required");
    char cloud[512];
    if (dir_admin_migrate(db, a.positional[0], a.to, cloud, sizeof cloud, err, errlen) < 0)
        return -1;
    printf("%s\n", cloud);
    return 0;
}

static int cmd_upgrade(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    (void)db, (void)argv, (void)err, (void)errlen;
    if (argc != 0)
        usage_error("upgrade takes no arguments");
    return 0; /* opening the directory read-write has already upgraded it */
}

/* protocol's owner: ORG as the first positional, or --mailbox ADDRESS. */
static bool has_mailbox_option(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--mailbox") == 0)
            return true;
    return false;
}

static int cmd_protocol_add(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    bool mailbox = has_mailbox_option(argc, argv);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    struct dir_admin_field *fields = calloc((size_t)argc + 1, sizeof *fields);
    int rc = -2;
    if (!rest || !fields) {
        failure("out of memory");
        goto out;
    }
    a.rest = rest;
    parse_args(argc, argv, mailbox ? 1 : 2, true, &a);
    only_options(&a, "--mailbox");
    const char *owner = mailbox ? a.mailbox : a.positional[0];
    const char *type = a.positional[mailbox ? 0 : 1];
    if (!protocol_type_known(type)) {
        failure("unknown Protocol type \"%s\" (EXCH EXPR EXHTTP WEB IMAP POP3 SMTP "
                "mapiHttp MobileSync AutodiscoverV1)",
                type);
        goto out;
    }
    const char *version = protocol_type_as_attribute(type) ? "1" : NULL;
    size_t nfields;
    if (parse_fields(type, a.rest, a.nrest, fields, &nfields, &version) < 0)
        goto out;
    rc = dir_admin_protocol_add_to(db, mailbox, owner, type, version, fields, nfields, err,
                                   errlen);
out:
    for (size_t i = 0; fields && i < (size_t)argc; i++)
        free(fields[i].attributes);
    free(fields);
    free(rest);
    return rc;
}

static int cmd_protocol(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    if (is("add", argc, argv))
        return cmd_protocol_add(db, argc - 1, argv + 1, err, errlen);
    if (is("list", argc, argv) || is("clear", argc, argv)) {
        bool mailbox = has_mailbox_option(argc - 1, argv + 1);
        parse_args(argc - 1, argv + 1, mailbox ? 0 : 1, false, &a);
        const char *owner = mailbox ? a.mailbox : a.positional[0];
        if (argv[0][0] == 'l') {
            only_options(&a, "--mailbox --json");
            return dir_admin_protocol_list_of(db, mailbox, owner, stdout, a.json, err, errlen);
        }
        only_options(&a, "--mailbox");
        return dir_admin_protocol_clear_of(db, mailbox, owner, err, errlen);
    }
    usage_error("protocol: expected add, list or clear");
}

static enum dir_format format_of(const char *name)
{
    if (!name || strcmp(name, "json") == 0)
        return DIR_FORMAT_JSON;
    if (strcmp(name, "csv") != 0)
        usage_error("--format: expected json or csv");
    return DIR_FORMAT_CSV;
}

/* export [--format json|csv] [FILE]: FILE is written whole or not at all (a temporary, renamed). */
static int cmd_export(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    bool to_file = false;
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], "--", 2) != 0 && (i == 0 || strcmp(argv[i - 1], "--format") != 0))
            to_file = true;
    parse_args(argc, argv, to_file ? 1 : 0, false, &a);
    only_options(&a, "--format");
    enum dir_format format = format_of(a.format);
    if (!to_file)
        return dir_export(db, format, stdout, err, errlen);
    char *tmp;
    if (asprintf(&tmp, "%s.tmp", a.positional[0]) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    FILE *out = fopen(tmp, "w");
    int rc;
    if (!out) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        rc = -1;
    } else {
        rc = dir_export(db, format, out, err, errlen);
        if (fclose(out) != 0 && rc == 0)
            rc = -1, snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        if (rc == 0 && rename(tmp, a.positional[0]) < 0)
            rc = -1, snprintf(err, errlen, "%s: %s", a.positional[0], strerror(errno));
        if (rc != 0)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int cmd_import(sqlite3 *db, int argc, char **argv, char *err, size_t errlen)
{
    struct args a = {0};
    parse_args(argc, argv, 1, false, &a);
    only_options(&a, "--format");
    enum dir_format format = format_of(a.format);
    bool from_stdin = strcmp(a.positional[0], "-") == 0;
    FILE *in = from_stdin ? stdin : fopen(a.positional[0], "r");
    if (!in) {
        snprintf(err, errlen, "%s: %s", a.positional[0], strerror(errno));
        return -1;
    }
    size_t mailboxes = 0;
    int rc = dir_import(db, format, in, a.positional[0], &mailboxes, err, errlen);
    if (!from_stdin)
        fclose(in);
    if (rc == 0)
        fprintf(stderr, "autodiscoverctl: imported %zu mailboxes\n", mailboxes);
    return rc;
}

struct command {
    const char *name;
    int (*run)(sqlite3 *db, int argc, char **argv, char *err, size_t errlen);
};

static const struct command commands[] = {
    {"pod", cmd_pod},
    {"org", cmd_org},
    {"domain", cmd_domain},
    {"mailbox", cmd_mailbox},
    {"migrate", cmd_migrate},
    {"upgrade", cmd_upgrade},
    {"protocol", cmd_protocol},
    {"export", cmd_export},
    {"import", cmd_import},
};

int main(int argc, char **argv)
{
    const char *db_path = NULL;
    int i = 1;
    if (argc >= 2 && strcmp(argv[1], "scp") == 0) /* LDAP, not the SQLite directory */
        return scp_publish_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "selftest") == 0) /* the network, not the directory */
        return selftest_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "hash-password") == 0) /* for the analyzer block */
        return analyzer_hash_main(argc - 2, argv + 2);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strncmp(argv[i], "--db=", 5) == 0)
            db_path = argv[i] + 5;
        else if (strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            fputs(scp_publish_usage, stdout);
            return 0;
        } else
            usage_error("unknown option %s", argv[i]);
    }
    if (!db_path)
        usage_error("--db PATH is required");
    if (i >= argc)
        usage_error("missing command");
    const char *name = argv[i++];
    char err[1024] = "";
    if (strcmp(name, "init") == 0) {
        if (i != argc)
            usage_error("init takes no arguments");
        if (dir_sqlite_create(db_path, err, sizeof err) < 0)
            return failure("%s", err);
        return 0;
    }
    const struct command *cmd = NULL;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(commands[k].name, name) == 0)
            cmd = &commands[k];
    if (!cmd)
        usage_error("unknown command \"%s\"", name);
    struct dir_sqlite *ds = dir_sqlite_open(db_path, false, err, sizeof err);
    if (!ds)
        return failure("%s", err);
    int rc = cmd->run(dir_sqlite_db(ds), argc - i, argv + i, err, sizeof err);
    dir_sqlite_close(ds);
    if (rc == -2)
        return EXIT_FAILURE; /* already reported */
    if (rc < 0)
        return failure("%s", err);
    return 0;
}
