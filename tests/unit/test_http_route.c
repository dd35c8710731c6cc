/* Unit tests for daemon/http_route.c: the POX, SOAP and v2 JSON paths in any case, nothing else. */
#include "http_route.h"
#include "testutil.h"

int main(void)
{
    CHECK(http_route_match("/autodiscover/autodiscover.xml") == ROUTE_POX);
    CHECK(http_route_match("/Autodiscover/Autodiscover.xml") == ROUTE_POX);
    CHECK(http_route_match("/AUTODISCOVER/AUTODISCOVER.XML") == ROUTE_POX);
    CHECK(http_route_match("/autodiscover/autodiscover.xml/") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("/autodiscover/autodiscover.json") == ROUTE_V2JSON);
    CHECK(http_route_match("/Autodiscover/AutoDiscover.JSON/v1.0/a@b.test") == ROUTE_V2JSON);
    CHECK(http_route_match("/autodiscover/autodiscover.jsonx") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("/autodiscover/autodiscover.svc") == ROUTE_SOAP);
    CHECK(http_route_match("/AutoDiscover/AutoDiscover.SVC") == ROUTE_SOAP);
    CHECK(http_route_match("/autodiscover/autodiscover.svc/wssecurity") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("/autodiscover/../autodiscover/autodiscover.xml") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("//autodiscover/autodiscover.xml") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("/") == ROUTE_NOT_FOUND);
    CHECK(http_route_match("") == ROUTE_NOT_FOUND);
    CHECK(http_route_match(NULL) == ROUTE_NOT_FOUND);
    CHECK(http_method_classify("POST") == METHOD_POST);
    CHECK(http_method_classify("GET") == METHOD_GET);
    CHECK(http_method_classify("post") == METHOD_OTHER);
    CHECK(http_method_classify("PUT") == METHOD_OTHER);
    CHECK(http_method_classify("OPTIONS") == METHOD_OTHER);
    return test_done("http_route");
}
