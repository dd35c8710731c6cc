/*
 * Internals shared by the pox_*.c files: a small indenting XML writer with a sticky error,
 * string helpers, and the walking helpers used by both parsers. Not part of the pox API.
 */
#ifndef AD_LIB_POX_INTERNAL_H
#define AD_LIB_POX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "adbuf.h"
#include "pox.h"

/* Writer state: the first failure sticks, so callers check once at the end. */
struct pox_writer {
    struct adbuf *out;
    size_t start_len; /* out->len before writing: restored on failure */
    unsigned depth;   /* current indentation level */
    bool failed;
};

void pox_w_begin(struct pox_writer *w, struct adbuf *out);
/* 0 on success; on failure restores out to its length at pox_w_begin and returns -1. */
int pox_w_end(struct pox_writer *w);
void pox_w_raw(struct pox_writer *w, const char *s);
/* <name attr1="v1" ...>, attrs as name/value pairs (values escaped), then a newline. */
void pox_w_open(struct pox_writer *w, const char *name, const struct pox_attr *attrs,
                size_t nattrs);
void pox_w_close(struct pox_writer *w, const char *name);
/* <name attrs>text</name> on its own line. */
void pox_w_leaf(struct pox_writer *w, const char *name, const struct pox_attr *attrs,
                size_t nattrs, const char *text);
/* pox_w_leaf without attributes, and nothing at all when text is NULL. */
void pox_w_opt(struct pox_writer *w, const char *name, const char *text);
/* The XML declaration every document starts with. */
void pox_w_decl(struct pox_writer *w);

/* Trimmed text of an element (malloc'd), NULL on out of memory. */
char *pox_text(const xmlNode *node);
/* Replaces *dst by a trimmed copy of node's text unless *dst is already set; -1 on OOM. */
int pox_take_text(char **dst, const xmlNode *node);
/* Namespace URI of node, or NULL. */
const char *pox_ns(const xmlNode *node);
/* Maps an xmlsafe failure onto the pox parse errors. */
enum pox_parse_error pox_parse_xml(const char *body, size_t len, bool request, xmlDoc **doc);

/* Error blocks (Response/Error, Account/Error): shared by parse, write and free. */
int pox_error_parse(const xmlNode *node, struct pox_error *err);
void pox_error_write(struct pox_writer *w, const struct pox_error *err);
void pox_error_clear(struct pox_error *err);

void pox_protocol_clear(struct pox_protocol *proto);
int pox_field_add_attr(struct pox_field *field, const char *name, const char *value);

#endif
