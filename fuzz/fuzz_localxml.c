/*
 * Fuzz target: local XML (lib/localxml.c). Input: "KEY=FILE" specs, one a line, an empty
 * line, then the file's content. Specs are added and looked up; the content is read back
 * under a small cap and parsed by the POX response parser, as the journey does.
 */
#include "adbuf.h"
#include "autodiscover/autodiscover.h"
#include "fuzz_common.h"
#include "localxml.h"
#include "pox.h"

#define FUZZ_LOCALXML_CAP 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memmem(data, size, "\n\n", 2);
    size_t specs_len = sep ? (size_t)(sep - data) : size;
    char *specs = fuzz_cstring(data, specs_len), *line = specs, *rest;
    struct localxml_map map = {0};
    while (*line) {
        line = fuzz_split_line(line, &rest);
        int rc = localxml_add(&map, line);
        FUZZ_ASSERT(rc == AD_OK || rc == AD_E_INVALID_ARGUMENT);
        if (rc == AD_OK) {
            const char *key = map.items[map.count - 1].key;
            const char *at = strchr(key, '@');
            FUZZ_ASSERT(localxml_lookup(&map, key, at ? at + 1 : key) != NULL);
        }
        line = rest;
    }
    (void)localxml_lookup(&map, "bob@contoso.test", "contoso.test");
    localxml_free(&map);
    free(specs);

    char path[256];
    snprintf(path, sizeof path, "%s/local.xml", fuzz_tempdir());
    size_t off = sep ? specs_len + 2 : size;
    fuzz_write_file(path, data + off, size - off);
    struct adbuf out;
    adbuf_init(&out, FUZZ_LOCALXML_CAP);
    const char *why = NULL;
    if (localxml_read(path, &out, &why) == 0) {
        FUZZ_ASSERT(out.len == size - off && out.len <= FUZZ_LOCALXML_CAP);
        struct pox_response resp;
        if (pox_response_parse(out.data ? out.data : "", out.len, &resp) == POX_PARSE_OK)
            pox_response_free(&resp);
    } else {
        FUZZ_ASSERT(why && size - off > FUZZ_LOCALXML_CAP);
    }
    adbuf_free(&out);
    return 0;
}
