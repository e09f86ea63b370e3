/* log: leveled logging to stderr or syslog, every line escaped (base/text_escape.h). */
#include "base/log.h"

#include "base/text_escape.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* Process-wide logging configuration: set once by the program before threads start. */
static _Atomic int log_level = OME_LOG_WARN;
static _Atomic int log_syslog = 0;
static ome_log_sink log_sink; /* set once at start-up, read-only afterwards */
static void *log_sink_ud;

void ome_log_set_sink(ome_log_sink sink, void *ud)
{
    log_sink = sink;
    log_sink_ud = ud;
}

void ome_log_set_level(enum ome_log_level level) { atomic_store(&log_level, (int)level); }
enum ome_log_level ome_log_get_level(void) { return (enum ome_log_level)atomic_load(&log_level); }
void ome_log_use_syslog(int on)
{
    if (on) /* lines tagged "omefs[PID]": several mounts can be told apart */
        openlog("omefs", LOG_PID, LOG_USER);
    atomic_store(&log_syslog, on);
}

int ome_log_parse_level(const char *name)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    if (strcmp(name, "warning") == 0)
        return OME_LOG_WARN;
    return -1;
}

void ome_log(enum ome_log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&log_level))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* lines hold names and servers' words: nothing in them may act on a terminal */
    ome_text_escape_in_place(line, sizeof line);
    if (atomic_load(&log_syslog)) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s", line);
    } else {
        static const char *tag[] = {"error", "warning", "info", "debug"};
        fprintf(stderr, "omefs: %s: %s\n", tag[level], line);
    }
    if (log_sink)
        log_sink(log_sink_ud, level, line);
}
