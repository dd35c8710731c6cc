/*
 * The config file: one option a line, "name value" or "name" for a flag, with the names of
 * the long options (without "--"); blank lines and lines starting with '#' are skipped; a
 * value may be put in double quotes. Parsed by the same option table as the command line.
 * Default: $XDG_CONFIG_HOME/autodiscover/config (else ~/.config/autodiscover/config), read
 * only if present.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define CONFIG_LINE_MAX 4096

/* The default file's path, or NULL (no home); the caller frees it. */
static char *default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    char *path = NULL;
    int n = -1;
    if (xdg && *xdg)
        n = asprintf(&path, "%s/autodiscover/config", xdg);
    else if (home && *home)
        n = asprintf(&path, "%s/.config/autodiscover/config", home);
    return n < 0 ? NULL : path;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Keeps a copy of value alive as long as opts; NULL on out of memory. */
static const char *keep(struct tool_options *opts, const char *value)
{
    char **owned = realloc(opts->owned, (opts->nowned + 1) * sizeof *owned);
    if (!owned)
        return NULL;
    opts->owned = owned;
    char *copy = strdup(value);
    if (copy)
        opts->owned[opts->nowned++] = copy;
    return copy;
}

static int apply_line(char *line, const char *where, struct tool_options *opts)
{
    char *name = trim(line);
    if (!*name || *name == '#')
        return -1;
    char *value = name + strcspn(name, " \t");
    if (*value) {
        *value++ = '\0';
        value = trim(value);
        size_t len = strlen(value);
        if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
            value[len - 1] = '\0';
            value++;
        }
    } else {
        value = NULL;
    }
    const char *kept = value ? keep(opts, value) : NULL;
    if (value && !kept) {
        tool_error("out of memory");
        return EXIT_INTERNAL;
    }
    return tool_apply_named_option(name, kept, where, opts);
}

int tool_read_config(const char *path, struct tool_options *opts, bool must_exist)
{
    char *fallback = path ? NULL : default_path();
    const char *file = path ? path : fallback;
    FILE *f = file ? fopen(file, "r") : NULL;
    if (!f) {
        int status = -1;
        if (must_exist) {
            tool_error("cannot read config file %s: %s", file, strerror(errno));
            status = EXIT_USAGE;
        }
        free(fallback);
        return status;
    }
    char line[CONFIG_LINE_MAX];
    int status = -1;
    for (unsigned lineno = 1; status < 0 && fgets(line, sizeof line, f); lineno++) {
        char where[CONFIG_LINE_MAX];
        snprintf(where, sizeof where, "%s:%u", file, lineno);
        status = apply_line(line, where, opts);
    }
    fclose(f);
    free(fallback);
    return status;
}
