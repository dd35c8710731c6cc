/* Internals shared by soap.c and soap_response.c. Not part of the soap API. */
#ifndef AD_LIB_SOAP_INTERNAL_H
#define AD_LIB_SOAP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* Like xmlsafe_is/xmlsafe_child, accepting the https:// rendering of ns (PROTOCOL.md §0). */
bool soap_is(const xmlNode *node, const char *ns, const char *local);
xmlNode *soap_child(const xmlNode *parent, const char *ns, const char *local);
/* Appends node's trimmed text to a string list; -1 on out of memory. */
int soap_list_add(char ***list, size_t *n, const xmlNode *node);
void soap_list_free(char **list, size_t n);
/* The first element in the Body of a SOAP 1.1 Envelope (and its Header); NULL if none. */
xmlNode *soap_body_message(xmlDoc *doc, xmlNode **header);

#endif
