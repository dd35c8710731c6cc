/*
 * journey_soap: the EWS Managed API's capability probe before a SOAP POST (PROTOCOL.md §1.3
 * note, ANCHORS.md §1.2): an anonymous GET of https://HOST/autodiscover/autodiscover.xml whose
 * answer (a 401 is fine) must carry X-SOAP-Enabled, X-WSSecurity-Enabled or X-OAuth-Enabled.
 * Only for candidates that are not a redirect hop: a RedirectUrl or 302 inside an answer is
 * followed as the EWS Managed API does, without a new probe.
 */
#include <stdlib.h>

#include "client_soap.h"
#include "journey.h"

static void judge_capability(const struct http_response *resp, const char *endpoint,
                             struct verdict *v)
{
    if (resp->outcome != HTTP_DONE)
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_UNREACHABLE, "%s",
                    resp->detail ? resp->detail : "transfer failed");
    else if (!resp->soap_enabled)
        verdict_set(v, OUTCOME_BAD_ANSWER, OUTLOOK_CODE_NONE,
                    "HTTP %ld %s without X-SOAP-Enabled, X-WSSecurity-Enabled or "
                    "X-OAuth-Enabled: not a SOAP Autodiscover server, skipped",
                    resp->status, verdict_status_text(resp->status));
    else {
        verdict_set(v, OUTCOME_UNREACHABLE, OUTLOOK_CODE_NONE,
                    "HTTP %ld %s with a SOAP capability header: GetUserSettings goes to %s",
                    resp->status, verdict_status_text(resp->status), endpoint);
        v->decision = STEP_PROCEED;
    }
}

int journey_soap_capable(struct discovery *d, const struct candidate *cand, struct verdict *v)
{
    if (cand->hop > 0)
        return 1;
    char *probe_url = client_soap_probe_url(cand->url);
    char *endpoint = client_soap_endpoint(cand->url);
    if (!probe_url || !endpoint) {
        free(probe_url);
        free(endpoint);
        return -1;
    }
    struct candidate probe = *cand;
    probe.kind = CANDIDATE_CAPABILITY;
    probe.url = probe_url;
    struct fetch f;
    int rc = 0;
    if (schedule_fetch(d, &probe, false, &f) < 0) {
        if (f.resp.outcome == HTTP_FAIL_NOMEM)
            rc = -1;
        else
            verdict_set(v, OUTCOME_INTERNAL, OUTLOOK_CODE_NONE, "libcurl refused the request");
    } else {
        judge_capability(&f.resp, endpoint, v);
        schedule_annotate(&f, v);
    }
    if (rc == 0)
        rc = journey_add_step(d, cand, probe_url, (int)f.resp.status, f.resp.elapsed_ms,
                              STEP_AUTH_NONE, v);
    bool proceed = v->decision == STEP_PROCEED;
    http_response_free(&f.resp);
    free(probe_url);
    free(endpoint);
    return rc < 0 ? -1 : proceed ? 1 : 0;
}
