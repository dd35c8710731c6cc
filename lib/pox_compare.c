/* Structural equality of POX requests and responses (see pox_compare.h). */
#include <string.h>

#include "pox_compare.h"

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool pox_request_equal(const struct pox_request *a, const struct pox_request *b)
{
    return str_eq(a->email, b->email) && str_eq(a->legacy_dn, b->legacy_dn) &&
           str_eq(a->response_schema, b->response_schema);
}

static bool error_eq(const struct pox_error *a, const struct pox_error *b)
{
    return a->code == b->code && str_eq(a->message, b->message) &&
           str_eq(a->debug_data, b->debug_data) && str_eq(a->time, b->time) &&
           str_eq(a->id, b->id);
}

static bool field_eq(const struct pox_field *a, const struct pox_field *b)
{
    if (!str_eq(a->path, b->path) || !str_eq(a->value, b->value) || a->nattrs != b->nattrs)
        return false;
    for (size_t i = 0; i < a->nattrs; i++)
        if (!str_eq(a->attrs[i].name, b->attrs[i].name) ||
            !str_eq(a->attrs[i].value, b->attrs[i].value))
            return false;
    return true;
}

static bool protocol_eq(const struct pox_protocol *a, const struct pox_protocol *b)
{
    if (!str_eq(a->type, b->type) || a->type_as_attr != b->type_as_attr ||
        !str_eq(a->version, b->version) || a->nfields != b->nfields)
        return false;
    for (size_t i = 0; i < a->nfields; i++)
        if (!field_eq(&a->fields[i], &b->fields[i]))
            return false;
    return true;
}

static bool user_eq(const struct pox_user *a, const struct pox_user *b)
{
    return str_eq(a->display_name, b->display_name) && str_eq(a->legacy_dn, b->legacy_dn) &&
           str_eq(a->smtp_address, b->smtp_address) &&
           str_eq(a->deployment_id, b->deployment_id);
}

static bool account_eq(const struct pox_response *a, const struct pox_response *b)
{
    if (!str_eq(a->account_type, b->account_type) || a->action != b->action ||
        !str_eq(a->microsoft_online, b->microsoft_online) ||
        !str_eq(a->redirect_addr, b->redirect_addr) ||
        !str_eq(a->redirect_url, b->redirect_url) || !str_eq(a->image, b->image) ||
        !str_eq(a->service_home, b->service_home) ||
        !str_eq(a->public_folder_smtp, b->public_folder_smtp) ||
        a->has_account_error != b->has_account_error ||
        (a->has_account_error && !error_eq(&a->account_error, &b->account_error)) ||
        a->nprotocols != b->nprotocols)
        return false;
    for (size_t i = 0; i < a->nprotocols; i++)
        if (!protocol_eq(&a->protocols[i], &b->protocols[i]))
            return false;
    return true;
}

bool pox_response_equal(const struct pox_response *a, const struct pox_response *b)
{
    if (a->is_error != b->is_error)
        return false;
    if (a->is_error)
        return error_eq(&a->error, &b->error);
    return a->has_user == b->has_user && (!a->has_user || user_eq(&a->user, &b->user)) &&
           a->has_account == b->has_account && (!a->has_account || account_eq(a, b));
}
