/* Unit tests for daemon/protocol_schema.c: the Protocol types and paths autodiscoverctl takes. */
#include "protocol_schema.h"
#include "testutil.h"

int main(void)
{
    const char *types[] = {"EXCH", "EXPR", "EXHTTP", "WEB", "IMAP", "POP3", "SMTP", "mapiHttp"};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
        CHECK(protocol_type_known(types[i]));
    CHECK(!protocol_type_known("exch"));
    CHECK(!protocol_type_known("MAPIHTTP"));
    CHECK(!protocol_type_known(""));
    CHECK(protocol_type_as_attribute("mapiHttp") && !protocol_type_as_attribute("EXCH"));
    CHECK(protocol_path_known("EXCH", "EwsUrl"));
    CHECK(protocol_path_known("EXPR", "EcpUrl-tmHiding"));
    CHECK(protocol_path_known("IMAP", "Encryption"));
    CHECK(protocol_path_known("EXCH", "NetworkRequirements/IPv4Start"));
    CHECK(!protocol_path_known("EXCH", "Type")); /* written from the type itself */
    CHECK(!protocol_path_known("EXCH", "ewsurl"));
    CHECK(!protocol_path_known("EXCH", "Internal/OWAUrl"));
    CHECK(protocol_path_known("WEB", "Internal/OWAUrl"));
    CHECK(protocol_path_known("WEB", "External/Protocol/ASUrl"));
    CHECK(!protocol_path_known("WEB", "EwsUrl"));
    CHECK(protocol_path_known("mapiHttp", "MailStore/ExternalUrl"));
    CHECK(!protocol_path_known("mapiHttp", "MailStore"));
    CHECK(!protocol_path_known("FOO", "EwsUrl"));
    return test_done("protocol_schema");
}
