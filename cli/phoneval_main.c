
/*
 * Copyright (C) phoneval authors
 *
 * phoneval: the command-line side of phoneval.  This file only picks the
 * command; each command lives in its own file.
 */


#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "phoneval_cli.h"


static void
pv_usage(FILE *f)
{
    fprintf(f,
        "usage: phoneval COMMAND [OPTIONS] [ARGUMENTS]\n"
        "\n"
        "Validates phone numbers through Byteplant and keeps the verdicts in\n"
        "HighLevel (LeadConnector) contact custom fields.\n"
        "\n"
        "commands:\n"
        "  check NUMBER...             print the verdicts of numbers\n"
        "  fields --location ID        find or --create the result fields\n"
        "  import FILE --location ID   create or upsert contacts from CSV "
        "or\n"
        "                              JSON lines, validating each phone\n"
        "  sync --location ID          validate new, PENDING and stale "
        "contacts\n"
        "\n"
        "Run \"phoneval COMMAND --help\" for the options of a command.\n"
        "Credentials come from the environment or files, never from the\n"
        "command line: PHONEVAL_BYTEPLANT_KEY / --byteplant-key-file, and\n"
        "PHONEVAL_GHL_TOKEN / --token-file.\n"
        "\n"
        "Exit status: 0 all done, 1 some items failed, 2 usage or "
        "configuration error.\n");
}


static void
pv_on_signal(int signo)
{
    (void) signo;

    if (pv_interrupted < 2) {
        pv_interrupted++;
    }
}


int
main(int argc, char **argv)
{
    int               i, rc;
    pv_cmd_e          cmd;
    pv_conf_t         conf;
    struct sigaction  sa;

    if (argc < 2) {
        pv_usage(stderr);
        return PV_EXIT_USAGE;
    }

    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
        || strcmp(argv[1], "help") == 0)
    {
        if (argc > 2) {
            for (i = 0; i < PV_CMD_N; i++) {
                if (strcmp(argv[2], pv_cmd_name((pv_cmd_e) i)) == 0) {
                    pv_usage_command((pv_cmd_e) i, stdout);
                    return PV_EXIT_OK;
                }
            }
        }

        pv_usage(stdout);
        return PV_EXIT_OK;
    }

    if (strcmp(argv[1], "--version") == 0) {
        printf("phoneval %s (%s)\n", PV_CLI_VERSION, curl_version());
        return PV_EXIT_OK;
    }

    for (i = 0; i < PV_CMD_N; i++) {
        if (strcmp(argv[1], pv_cmd_name((pv_cmd_e) i)) == 0) {
            break;
        }
    }

    if (i == PV_CMD_N) {
        pv_log_error("unknown command \"%s\"", argv[1]);
        pv_usage(stderr);
        return PV_EXIT_USAGE;
    }

    cmd = (pv_cmd_e) i;

    rc = pv_conf_load(&conf, cmd, argc - 2, argv + 2);

    if (rc != PV_EXIT_OK) {
        pv_conf_free(&conf);
        return rc < 0 ? PV_EXIT_OK : rc;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        pv_log_error("curl_global_init() failed");
        pv_conf_free(&conf);
        return PV_EXIT_FAILED;
    }

    /* a first SIGINT/SIGTERM lets the requests in flight finish and the
     * state be saved; a second one stops at once */

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pv_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    pv_progress_init(conf.progress, pv_verbose);

    switch (cmd) {

    case PV_CMD_CHECK:
        rc = pv_cmd_check(&conf);
        break;

    case PV_CMD_FIELDS:
        rc = pv_cmd_fields(&conf);
        break;

    case PV_CMD_IMPORT:
        rc = pv_cmd_import(&conf);
        break;

    default:
        rc = pv_cmd_sync(&conf);
        break;
    }

    pv_conf_free(&conf);
    curl_global_cleanup();

    return rc;
}
