/* http_route: which resource a request path names, and what a method may do there. */
#ifndef AD_DAEMON_HTTP_ROUTE_H
#define AD_DAEMON_HTTP_ROUTE_H

enum http_route {
    ROUTE_NOT_FOUND,
    ROUTE_POX, /* /autodiscover/[MAILBOX/]autodiscover.xml, any case (Outlook sends capitals) */
    ROUTE_SOAP,   /* /autodiscover/[MAILBOX/]autodiscover.svc, any case (POST, Basic, like POX) */
    ROUTE_V2JSON, /* /autodiscover/autodiscover.json and .../autodiscover.json/<more> (GET) */
};

enum http_method_class {
    METHOD_POST,
    METHOD_GET,   /* answered 401 unauthenticated (the Exchange probe), else 405 */
    METHOD_OTHER, /* 405 */
};

enum http_route http_route_match(const char *path);
enum http_method_class http_method_classify(const char *method);

#endif
