/*
 * xmlsafe: hardened libxml2 parsing (see xmlsafe.h).
 *
 * Defence in depth against DTD tricks (entity expansion, external entities, parameter
 * entities): 1) a byte scan refuses any markup declaration before libxml2 sees the bytes;
 * 2) the parser runs without NOENT, DTDLOAD, DTDATTR or XInclude and with NONET; 3) a SAX hook
 * stops the parse if an internal subset is reported anyway (say, through an encoding the scan
 * could not read); 4) the finished tree must have no DTD node. Depth and element caps are
 * enforced while parsing (SAX hooks), so a hostile document never becomes a big tree.
 */
#include "xmlsafe.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

const struct xmlsafe_limits xmlsafe_request_limits = {
    XMLSAFE_REQUEST_MAX_BYTES, XMLSAFE_REQUEST_MAX_DEPTH, XMLSAFE_REQUEST_MAX_ELEMENTS};
const struct xmlsafe_limits xmlsafe_response_limits = {
    XMLSAFE_RESPONSE_MAX_BYTES, XMLSAFE_RESPONSE_MAX_DEPTH, XMLSAFE_RESPONSE_MAX_ELEMENTS};

/* Per-parse state, reached from the SAX hooks through ctxt->_private. */
struct parse_state {
    const struct xmlsafe_limits *limits;
    startElementNsSAX2Func start;
    endElementNsSAX2Func end;
    internalSubsetSAXFunc subset;
    unsigned depth;
    unsigned elements;
    enum xmlsafe_error err;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    /* xmlInitParser is not safe to race from several threads; run it exactly once. */
    xmlInitParser();
}

/* ---- byte scan: no markup declaration may reach libxml2 ---- */

/* Index just past the first occurrence of end in buf[i..len), or len + 1 when absent. */
static size_t skip_past(const char *buf, size_t len, size_t i, const char *end)
{
    size_t n = strlen(end);
    for (; i + n <= len; i++)
        if (memcmp(buf + i, end, n) == 0)
            return i + n;
    return len + 1;
}

/* Index just past the '>' closing a tag that starts at i, honouring quoted attribute values. */
static size_t skip_tag(const char *buf, size_t len, size_t i)
{
    char quote = 0;
    for (; i < len; i++) {
        char c = buf[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return len + 1;
}

static int starts_with(const char *buf, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i + n <= len && memcmp(buf + i, lit, n) == 0;
}

/*
 * Walks the markup the way an XML parser does: comments, CDATA sections, processing
 * instructions and tags (with quoted attribute values) are skipped whole, so "<!" inside them
 * is harmless; any other "<!" is a declaration (DOCTYPE, ENTITY, ...) and is refused. An
 * unterminated construct or a NUL byte (UTF-16/32, which this scan cannot read) is refused too.
 */
static enum xmlsafe_error scan_bytes(const char *buf, size_t len)
{
    if (memchr(buf, '\0', len))
        return XMLSAFE_MALFORMED;
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(buf + i, '<', len - i);
        if (!lt)
            break;
        i = (size_t)(lt - buf);
        if (starts_with(buf, len, i, "<!--"))
            i = skip_past(buf, len, i + 4, "-->");
        else if (starts_with(buf, len, i, "<![CDATA["))
            i = skip_past(buf, len, i + 9, "]]>");
        else if (starts_with(buf, len, i, "<!"))
            return XMLSAFE_FORBIDDEN;
        else if (starts_with(buf, len, i, "<?"))
            i = skip_past(buf, len, i + 2, "?>");
        else
            i = skip_tag(buf, len, i + 1);
        if (i > len)
            return XMLSAFE_MALFORMED;
    }
    return XMLSAFE_OK;
}

/* ---- SAX hooks: caps and a last guard against DTDs ---- */

static void stop(xmlParserCtxtPtr ctxt, struct parse_state *st, enum xmlsafe_error err)
{
    if (st->err == XMLSAFE_OK)
        st->err = err;
    xmlStopParser(ctxt);
}

static void hook_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    if (st->err != XMLSAFE_OK)
        return;
    if (++st->depth > st->limits->max_depth) {
        stop(ctxt, st, XMLSAFE_TOO_DEEP);
        return;
    }
    if (++st->elements > st->limits->max_elements) {
        stop(ctxt, st, XMLSAFE_TOO_MANY);
        return;
    }
    st->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
              nb_defaulted, attributes);
}

static void hook_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    if (st->err != XMLSAFE_OK)
        return;
    st->depth--;
    st->end(ctx, localname, prefix, uri);
}

static void hook_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                        const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    stop(ctxt, ctxt->_private, XMLSAFE_FORBIDDEN);
}

/* libxml2 reports errors here instead of printing them: the library never prints. */
static void quiet_structured(void *data, xmlErrorPtr error)
{
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
}

static enum xmlsafe_error classify_failure(xmlParserCtxtPtr ctxt, const struct parse_state *st)
{
    if (st->err != XMLSAFE_OK)
        return st->err;
    if (ctxt->errNo == XML_ERR_NO_MEMORY)
        return XMLSAFE_NOMEM;
    return XMLSAFE_MALFORMED;
}

static xmlDoc *parse_with_hooks(xmlParserCtxtPtr ctxt, struct parse_state *st, const char *buf,
                                size_t len)
{
    st->start = ctxt->sax->startElementNs;
    st->end = ctxt->sax->endElementNs;
    st->subset = ctxt->sax->internalSubset;
    ctxt->sax->startElementNs = hook_start;
    ctxt->sax->endElementNs = hook_end;
    ctxt->sax->internalSubset = hook_subset;
    ctxt->sax->serror = quiet_structured;
    ctxt->sax->error = quiet_generic;
    ctxt->sax->warning = quiet_generic;
    ctxt->_private = st;

    /*
     * No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID, no XINCLUDE.
     * The bytes are read as UTF-8 whatever the declaration says (IGNORE_ENC): the byte scan
     * above only understands an ASCII-compatible encoding.
     */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                  XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA;
    return xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, "UTF-8", options);
}

/* A tree is acceptable only if it is namespace-well-formed, has a root and no DTD at all. */
static enum xmlsafe_error check_tree(xmlParserCtxtPtr ctxt, const xmlDoc *doc)
{
    if (doc->intSubset || doc->extSubset)
        return XMLSAFE_FORBIDDEN;
    if (!ctxt->nsWellFormed || !xmlDocGetRootElement(doc))
        return XMLSAFE_MALFORMED;
    return XMLSAFE_OK;
}

xmlDoc *xmlsafe_parse(const char *buf, size_t len, const struct xmlsafe_limits *limits,
                      enum xmlsafe_error *err)
{
    enum xmlsafe_error dummy;
    if (!err)
        err = &dummy;
    if (!limits)
        limits = &xmlsafe_response_limits;
    if (len > limits->max_bytes || len > (size_t)INT_MAX) {
        *err = XMLSAFE_TOO_BIG;
        return NULL;
    }
    if (!buf || len == 0) {
        *err = XMLSAFE_MALFORMED;
        return NULL;
    }
    *err = scan_bytes(buf, len);
    if (*err != XMLSAFE_OK)
        return NULL;

    pthread_once(&init_once, init_libxml);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        *err = XMLSAFE_NOMEM;
        return NULL;
    }
    /*
     * Errors raised outside a parser context go to the thread's generic handler (thread-local
     * in a threaded libxml2); silence it for this parse only and give the caller's back.
     */
    xmlGenericErrorFunc saved_generic = xmlGenericError;
    void *saved_generic_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet_generic);

    struct parse_state st = {.limits = limits};
    xmlDoc *doc = parse_with_hooks(ctxt, &st, buf, len);
    /* xmlStopParser does not clear wellFormed: a stopped parse may still hand back a tree. */
    if (!doc || st.err != XMLSAFE_OK)
        *err = classify_failure(ctxt, &st);
    else
        *err = check_tree(ctxt, doc);
    if (doc && *err != XMLSAFE_OK) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_generic_ctx, saved_generic);
    return doc;
}

const char *xmlsafe_strerror(enum xmlsafe_error err)
{
    switch (err) {
    case XMLSAFE_OK: return "no error";
    case XMLSAFE_TOO_BIG: return "XML document too big";
    case XMLSAFE_TOO_DEEP: return "XML elements nested too deeply";
    case XMLSAFE_TOO_MANY: return "too many XML elements";
    case XMLSAFE_FORBIDDEN: return "XML document type declarations are not accepted";
    case XMLSAFE_MALFORMED: return "malformed XML";
    case XMLSAFE_NOMEM: return "out of memory";
    }
    return "unknown XML error";
}

/*
 * Namespace URIs compare equal when they differ only in an "http://" versus "https://" scheme:
 * Microsoft's current documentation prints every schema URI with https (PROTOCOL.md §0 trap 1)
 * and a lenient reader accepts both.
 */
static int ns_equal(const char *want, const char *got)
{
    if (strcmp(want, got) == 0)
        return 1;
    if (strncmp(want, "http://", 7) == 0 && strncmp(got, "https://", 8) == 0)
        return strcmp(want + 7, got + 8) == 0;
    return 0;
}

int xmlsafe_is(const xmlNode *node, const char *ns, const char *local)
{
    if (!node || node->type != XML_ELEMENT_NODE || !node->name)
        return 0;
    if (strcmp((const char *)node->name, local) != 0)
        return 0;
    if (!ns)
        return 1;
    return node->ns && node->ns->href && ns_equal(ns, (const char *)node->ns->href);
}

xmlNode *xmlsafe_child(const xmlNode *parent, const char *ns, const char *local)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (xmlsafe_is(c, ns, local))
            return c;
    return NULL;
}

static int is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *xmlsafe_text(const xmlNode *node)
{
    xmlChar *raw = xmlNodeGetContent(node);
    if (!raw)
        return node ? NULL : strdup("");
    const char *s = (const char *)raw;
    size_t n = strlen(s);
    while (n && is_xml_space(s[n - 1]))
        n--;
    while (n && is_xml_space(*s)) {
        s++;
        n--;
    }
    char *out = strndup(s, n);
    xmlFree(raw);
    return out;
}
