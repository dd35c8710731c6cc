/*
 * discover: the smallest useful libautodiscover program. It finds the EWS URL of a mailbox
 * and prints it; the password is asked for only when a server wants one (here from the
 * environment variable AUTODISCOVER_PASSWORD), and every step is printed as it happens.
 *
 *   cc discover.c $(pkg-config --cflags --libs libautodiscover) -o discover
 *   AUTODISCOVER_PASSWORD=... ./discover [--cacert FILE] [--connect-to SPEC]... EMAIL
 *
 * Copy it freely (MIT, like the library).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <autodiscover/autodiscover.h>

/* Asked at most once per discovery, and only by a validated https server offering Basic. */
static int ask_credentials(void *user_data, const char *email, const char *url, char *user,
                           size_t ulen, char *pass, size_t plen)
{
    (void)user_data;
    (void)email;
    const char *password = getenv("AUTODISCOVER_PASSWORD");
    fprintf(stderr, "credentials asked for %s\n", url);
    if (!password || strlen(password) >= plen)
        return 0; /* decline: the discovery goes on without credentials */
    user[0] = '\0'; /* empty: log in as the e-mail address */
    (void)ulen;
    strcpy(pass, password);
    return 1;
}

static void trace(void *user_data, const char *line)
{
    (void)user_data;
    fprintf(stderr, "step: %s\n", line);
}

/* The first EwsUrl of any protocol section, in the order the server lists them. */
static const char *ews_url(const ad_result *result)
{
    for (size_t i = 0; i < ad_result_protocol_count(result); i++) {
        const char *url = ad_result_protocol_get(result, i, "EwsUrl");
        if (url)
            return url;
    }
    return ad_result_setting(result, "ExternalEwsUrl"); /* with AD_PROTOCOL_SOAP */
}

static int usage(FILE *out, int status)
{
    fprintf(out, "usage: discover [--cacert FILE] [--connect-to HOST:PORT:HOST2:PORT2]...\n"
                 "                [--dns-server ADDR[:PORT]] EMAIL\n"
                 "The password comes from $AUTODISCOVER_PASSWORD, asked for only when needed.\n");
    return status;
}

int main(int argc, char **argv)
{
    ad_client *client = ad_client_new();
    if (!client) {
        fprintf(stderr, "discover: cannot start libautodiscover\n");
        return 70;
    }
    const char *email = NULL;
    int status = 0;
    for (int i = 1; i < argc && status == 0; i++) {
        if (strcmp(argv[i], "--help") == 0)
            status = usage(stdout, -1);
        else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
            status = ad_client_set_cacert(client, argv[++i]) == AD_OK ? 0 : 2;
        else if (strcmp(argv[i], "--connect-to") == 0 && i + 1 < argc)
            status = ad_client_add_connect_to(client, argv[++i]) == AD_OK ? 0 : 2;
        else if (strcmp(argv[i], "--dns-server") == 0 && i + 1 < argc)
            status = ad_client_set_dns_server(client, argv[++i]) == AD_OK ? 0 : 2;
        else if (argv[i][0] != '-' && !email)
            email = argv[i];
        else
            status = usage(stderr, 2);
    }
    if (status == 0 && !email)
        status = usage(stderr, 2);
    if (status != 0) {
        ad_client_free(client);
        return status < 0 ? 0 : status;
    }
    ad_client_set_credentials_callback(client, ask_credentials, NULL);
    ad_client_set_trace_callback(client, trace, NULL);

    ad_result *result = NULL;
    ad_code code = ad_discover(client, email, &result);
    if (code == AD_OK && ews_url(result)) {
        printf("EwsUrl: %s\n", ews_url(result));
    } else {
        fprintf(stderr, "discover: %s (%s)\n",
                result && ad_result_reason(result) ? ad_result_reason(result) : ad_strerror(code),
                ad_code_name(code));
        status = code == AD_OK ? 1 : 3;
    }
    ad_result_free(result);
    ad_client_free(client);
    return status;
}
