/*
 * xmlsafe: the only way this project parses XML. libxml2 is driven with no network access,
 * no DTD loading, no entity substitution, and every document is refused outright when it
 * carries a DOCTYPE (so no internal subset and no entity declaration ever reach the parser).
 * Size, depth and element count are capped by the limits the caller passes.
 */
#ifndef AD_COMMON_XMLSAFE_H
#define AD_COMMON_XMLSAFE_H

#include <stddef.h>
#include <libxml/tree.h>

/* Caps for a request a server receives (POX, SOAP) and a response a client receives. */
#define XMLSAFE_REQUEST_MAX_BYTES (64u * 1024u)
#define XMLSAFE_REQUEST_MAX_DEPTH 32u
#define XMLSAFE_REQUEST_MAX_ELEMENTS 1024u
#define XMLSAFE_RESPONSE_MAX_BYTES (1024u * 1024u)
#define XMLSAFE_RESPONSE_MAX_DEPTH 32u
#define XMLSAFE_RESPONSE_MAX_ELEMENTS 16384u

struct xmlsafe_limits {
    size_t max_bytes;
    unsigned max_depth;
    unsigned max_elements;
};

extern const struct xmlsafe_limits xmlsafe_request_limits;
extern const struct xmlsafe_limits xmlsafe_response_limits;

enum xmlsafe_error {
    XMLSAFE_OK = 0,
    XMLSAFE_TOO_BIG,      /* more bytes than max_bytes */
    XMLSAFE_TOO_DEEP,     /* elements nested deeper than max_depth */
    XMLSAFE_TOO_MANY,     /* more elements than max_elements */
    XMLSAFE_FORBIDDEN,    /* a DOCTYPE, or another markup declaration */
    XMLSAFE_MALFORMED,    /* not well-formed XML */
    XMLSAFE_NOMEM,
};

/* Parses buf; NULL on failure with *err set. Free the document with xmlFreeDoc(). */
xmlDoc *xmlsafe_parse(const char *buf, size_t len, const struct xmlsafe_limits *limits,
                      enum xmlsafe_error *err);
const char *xmlsafe_strerror(enum xmlsafe_error err);

/* Helpers for walking a parsed tree. */
/* 1 if node is an element named local in namespace ns (ns NULL: any namespace). */
int xmlsafe_is(const xmlNode *node, const char *ns, const char *local);
/* First child element named local (any namespace when ns is NULL), or NULL. */
xmlNode *xmlsafe_child(const xmlNode *parent, const char *ns, const char *local);
/* Text content of an element with surrounding white space trimmed; caller frees; NULL on OOM. */
char *xmlsafe_text(const xmlNode *node);

#endif
