/*
 * Fuzz target: the autodiscover command's config file (tool/tool_config.c and the option
 * table it feeds, tool/tool_options.c). The input is the file.
 */
#include "fuzz_common.h"
#include "tool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/autodiscover.conf", fuzz_tempdir());
    fuzz_write_file(path, data, size);
    struct tool_options opts;
    memset(&opts, 0, sizeof opts);
    opts.max_redirects = -1;
    opts.retries = -1;
    opts.stagger_ms = -1;
    int status = tool_read_config(path, &opts, true);
    FUZZ_ASSERT(status == -1 || status == EXIT_USAGE || status == EXIT_SETTINGS);
    FUZZ_ASSERT(opts.nconnect_to <= TOOL_MAX_CONNECT_TO && opts.nallow_redirect <= TOOL_MAX_LIST &&
                opts.nlocal_xml <= TOOL_MAX_LIST);
    tool_options_free(&opts);
    return 0;
}
