/* POX requests (PROTOCOL.md §2.1): Autodiscover/Request/{EMailAddress, LegacyDN, schema}. */
#include <stdlib.h>
#include <string.h>

#include "pox.h"
#include "pox_internal.h"
#include "xmlsafe.h"

/*
 * AcceptableResponseSchema is stored with an http:// scheme even when the client sent the
 * https:// rendering, so a server compares it with POX_NS_OUTLOOK_RESPONSE directly.
 */
static void normalise_schema(char *schema)
{
    static const char https_prefix[] = "https://schemas.microsoft.com/";
    if (!schema || strncmp(schema, https_prefix, sizeof https_prefix - 1) != 0)
        return;
    memmove(schema + 4, schema + 5, strlen(schema) - 4); /* drop the 's', NUL included */
}

static int read_request(const xmlNode *request, struct pox_request *out)
{
    for (const xmlNode *c = request->children; c; c = c->next) {
        char **dst = NULL;
        if (xmlsafe_is(c, NULL, "EMailAddress"))
            dst = &out->email;
        else if (xmlsafe_is(c, NULL, "LegacyDN"))
            dst = &out->legacy_dn;
        else if (xmlsafe_is(c, NULL, "AcceptableResponseSchema"))
            dst = &out->response_schema;
        if (dst && pox_take_text(dst, c) < 0)
            return -1;
    }
    normalise_schema(out->response_schema);
    return 0;
}

enum pox_parse_error pox_request_parse(const char *body, size_t len, struct pox_request *out)
{
    memset(out, 0, sizeof *out);
    xmlDoc *doc;
    enum pox_parse_error rc = pox_parse_xml(body, len, true, &doc);
    if (rc != POX_PARSE_OK)
        return rc;
    /* The root namespace tells a POX Outlook request from any other document. */
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *request = NULL;
    if (xmlsafe_is(root, POX_NS_REQUEST, "Autodiscover"))
        request = xmlsafe_child(root, NULL, "Request");
    if (!request)
        rc = POX_PARSE_SCHEMA;
    else if (read_request(request, out) < 0)
        rc = POX_PARSE_NOMEM;
    xmlFreeDoc(doc);
    if (rc != POX_PARSE_OK)
        pox_request_free(out);
    return rc;
}

int pox_request_write(const struct pox_request *req, struct adbuf *out)
{
    struct pox_writer w;
    pox_w_begin(&w, out);
    pox_w_decl(&w);
    struct pox_attr ns = {"xmlns", POX_NS_REQUEST};
    pox_w_open(&w, "Autodiscover", &ns, 1);
    pox_w_open(&w, "Request", NULL, 0);
    pox_w_opt(&w, "EMailAddress", req->email);
    pox_w_opt(&w, "LegacyDN", req->legacy_dn);
    /* Real clients always name the schema they accept; the Outlook one unless told otherwise. */
    pox_w_opt(&w, "AcceptableResponseSchema",
              req->response_schema ? req->response_schema : POX_NS_OUTLOOK_RESPONSE);
    pox_w_close(&w, "Request");
    pox_w_close(&w, "Autodiscover");
    return pox_w_end(&w);
}

void pox_request_free(struct pox_request *req)
{
    if (!req)
        return;
    free(req->email);
    free(req->legacy_dn);
    free(req->response_schema);
    memset(req, 0, sizeof *req);
}
