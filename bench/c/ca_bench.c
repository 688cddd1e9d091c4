/*
 * libca side of bench/ca_bench.ts: the same operations the fws client does,
 * with EPICS's own C client library. Prints one JSON object per run.
 *
 *   ca_bench wfget PV N        N gets of the whole array: ms of each, RSS
 *   ca_bench seq PV N          N sequential scalar gets (each waits)
 *   ca_bench pipe PV N R       R rounds of N gets issued together, one wait
 *   ca_bench monitor PV N T    monitor until N updates (or T s): rate, lost
 *   ca_bench put PV N K        N puts of 1..N, a get round trip every K puts
 *   ca_bench fill PV N         writes 0, 0.5, 1, ... (N elements) to a DOUBLE array
 *
 * Build: gcc -O2 ca_bench.c -I$EPICS/include -I$EPICS/include/os/Linux
 *        -I$EPICS/include/compiler/gcc -L$EPICS/lib/linux-x86_64 -lca -lCom
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cadef.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0) {
            v = atol(line + n + 1);
            break;
        }
    }
    fclose(f);
    return v;
}

static void check(int status, const char *what)
{
    if (status != ECA_NORMAL) {
        fprintf(stderr, "ca_bench: %s: %s\n", what, ca_message(status));
        exit(1);
    }
}

static chid connect(const char *pv)
{
    chid ch;
    check(ca_create_channel(pv, NULL, NULL, 0, &ch), "create channel");
    check(ca_pend_io(10.0), pv);
    return ch;
}

static long expected = 0, received = 0, lost = 0;
static double first_ms = 0, last_ms = 0;

static void on_update(struct event_handler_args args)
{
    double v;
    if (args.status != ECA_NORMAL) return;
    v = *(const double *)args.dbr;
    if (received == 0) {
        first_ms = now_ms();
    } else if ((long)v != expected) {
        lost += (long)v - expected;
    }
    expected = (long)v + 1;
    received++;
    last_ms = now_ms();
}

int main(int argc, char **argv)
{
    const char *mode, *pv;
    long n, i;
    chid ch;
    if (argc < 4) {
        fprintf(stderr, "usage: ca_bench wfget|seq|pipe|monitor|put|fill PV N [R|T]\n");
        return 2;
    }
    mode = argv[1];
    pv = argv[2];
    n = atol(argv[3]);
    check(ca_context_create(ca_disable_preemptive_callback), "context");
    ch = connect(pv);

    if (strcmp(mode, "wfget") == 0) {
        unsigned long count = ca_element_count(ch);
        double *buf = malloc(count * sizeof(double));
        long base = rss_kb("VmRSS:");
        printf("{\"ms\":[");
        for (i = 0; i < n; i++) {
            double t0 = now_ms();
            check(ca_array_get(DBR_DOUBLE, count, ch, buf), "get");
            check(ca_pend_io(30.0), "pend");
            printf("%s%.3f", i ? "," : "", now_ms() - t0);
        }
        printf("],\"count\":%lu,\"last\":%g,\"rssBaseKb\":%ld,\"rssPeakKb\":%ld}\n",
            count, buf[count - 1], base, rss_kb("VmHWM:"));
        free(buf);
    } else if (strcmp(mode, "seq") == 0) {
        double v, t0 = now_ms();
        for (i = 0; i < n; i++) {
            check(ca_get(DBR_DOUBLE, ch, &v), "get");
            check(ca_pend_io(10.0), "pend");
        }
        printf("{\"ms\":%.3f,\"n\":%ld}\n", now_ms() - t0, n);
    } else if (strcmp(mode, "pipe") == 0) {
        long rounds = argc > 4 ? atol(argv[4]) : 100;
        double *v = malloc(n * sizeof(double));
        double t0 = now_ms();
        long r;
        for (r = 0; r < rounds; r++) {
            for (i = 0; i < n; i++) check(ca_get(DBR_DOUBLE, ch, &v[i]), "get");
            check(ca_pend_io(10.0), "pend");
        }
        printf("{\"ms\":%.3f,\"n\":%ld}\n", now_ms() - t0, n * rounds);
        free(v);
    } else if (strcmp(mode, "monitor") == 0) {
        double timeout = argc > 4 ? atof(argv[4]) : 30;
        double t0 = now_ms();
        evid ev;
        check(ca_create_subscription(DBR_DOUBLE, 1, ch, DBE_VALUE, on_update, NULL, &ev),
            "subscribe");
        printf("{\"ready\":true}\n");
        fflush(stdout);
        while (expected <= n && now_ms() - t0 < timeout * 1000) ca_pend_event(0.001);
        /* the first update is the current value; the rest are the writer's */
        printf("{\"received\":%ld,\"lost\":%ld,\"ms\":%.3f}\n", received - 1, lost,
            last_ms - first_ms);
    } else if (strcmp(mode, "put") == 0) {
        long flush_every = argc > 4 ? atol(argv[4]) : 100;
        double t0 = now_ms();
        for (i = 1; i <= n; i++) {
            double v = (double)i;
            check(ca_put(DBR_DOUBLE, ch, &v), "put");
            if (i % flush_every == 0) {
                /* a round trip: keeps the writer at the IOC's pace */
                double rb;
                check(ca_get(DBR_DOUBLE, ch, &rb), "get");
                check(ca_pend_io(10.0), "pend");
            }
        }
        check(ca_pend_io(10.0), "pend");
        printf("{\"ms\":%.3f,\"n\":%ld}\n", now_ms() - t0, n);
    } else if (strcmp(mode, "fill") == 0) {
        double *v = malloc(n * sizeof(double));
        for (i = 0; i < n; i++) v[i] = i * 0.5;
        check(ca_array_put(DBR_DOUBLE, n, ch, v), "put");
        check(ca_pend_io(30.0), "pend");
        printf("{\"n\":%ld}\n", n);
        free(v);
    } else {
        fprintf(stderr, "ca_bench: unknown mode '%s'\n", mode);
        return 2;
    }
    ca_clear_channel(ch);
    ca_context_destroy();
    return 0;
}
