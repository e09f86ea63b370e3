/* mount_status: `.omefs/stats` and `.omefs/log` as sentences for people (omefs status). */
#include "tree/mount_stats.h"

#include "base/units.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double num(json_t *doc, const char *group, const char *key)
{
    return json_number_value(json_object_get(json_object_get(doc, group), key));
}

static double ratio(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0;
}

int ome_mount_status_text(const char *mountpoint, const char *stats_json, const char *log_text,
                          const char *previous, double seconds, char *out, size_t outlen)
{
    json_t *d = json_loads(stats_json, 0, NULL), *p = previous ? json_loads(previous, 0, NULL)
                                                               : NULL;
    if (!d) {
        json_decref(p);
        return snprintf(out, outlen, "%s: not an omefs mount (no readable .omefs/stats)\n",
                        mountpoint);
    }
    char fetched[32], served[32], mem[32], disk[32], cap[32];
    ome_human_bytes(num(d, "network", "bytes_fetched"), fetched, sizeof fetched);
    ome_human_bytes(num(d, "reads", "bytes_served"), served, sizeof served);
    ome_human_bytes(num(d, "memory_cache", "bytes"), mem, sizeof mem);
    ome_human_bytes(num(d, "disk_cache", "bytes"), disk, sizeof disk);
    ome_human_bytes(num(d, "disk_cache", "capacity"), cap, sizeof cap);
    time_t at = (time_t)num(d, "mount", "mounted_at");
    char when[64] = "";
    struct tm tm;
    if (at > 0 && localtime_r(&at, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
    const char *src = json_string_value(json_object_get(json_object_get(d, "mount"), "source"));
    double mh = num(d, "memory_cache", "hits"), mm = num(d, "memory_cache", "misses");
    double dh = num(d, "disk_cache", "hits"), dm = num(d, "disk_cache", "misses");
    int n = snprintf(
        out, outlen,
        "%s\n"
        "  source:       %s\n"
        "  mounted:      %s\n"
        "  served:       %s in %.0f reads, %.0f failed\n"
        "  fetched:      %s in %.0f requests (%.0f retried, %.0f failed, %.0f unchanged)\n"
        "  memory cache: %s held, %.0f %% of lookups hit\n"
        "  disk cache:   %s of %s, %.0f %% of lookups hit, %.0f written, %.0f corrupt dropped\n"
        "  read-ahead:   %.0f chunks in %.0f jobs\n",
        mountpoint, src ? src : "?", when[0] ? when : "?", served, num(d, "reads", "count"), num(d, "reads", "errors"),
        fetched, num(d, "network", "requests"), num(d, "network", "retries"),
        num(d, "network", "errors"), num(d, "network", "not_modified"), mem, ratio(mh, mh + mm),
        disk, cap, ratio(dh, dh + dm), num(d, "disk_cache", "writes"),
        num(d, "disk_cache", "corrupt"), num(d, "prefetch", "chunks"), num(d, "prefetch", "jobs"));
    if (num(d, "omero", "sessions") > 0 && n >= 0 && (size_t)n < outlen)
        n += snprintf(out + n, outlen - (size_t)n,
                      "  OMERO:        %.0f sessions (%.0f made again after the server let one "
                      "expire)\n",
                      num(d, "omero", "sessions"), num(d, "omero", "renewals"));
    if (p && seconds > 0 && n >= 0 && (size_t)n < outlen) {
        char a[32], b[32];
        ome_human_bytes((num(d, "reads", "bytes_served") - num(p, "reads", "bytes_served")) / seconds, a,
              sizeof a);
        ome_human_bytes((num(d, "network", "bytes_fetched") - num(p, "network", "bytes_fetched")) / seconds,
              b, sizeof b);
        n += snprintf(out + n, outlen - (size_t)n, "  now:          serving %s/s, fetching %s/s\n",
                      a, b);
    }
    /* the latest problems the log holds */
    const char *lines[5];
    int k = 0;
    for (const char *l = log_text; l && *l;) {
        const char *end = strchr(l, '\n');
        if (strstr(l, "error:") && (!end || strstr(l, "error:") < end)) {
            if (k == 5)
                memmove(lines, lines + 1, 4 * sizeof *lines), k = 4;
            lines[k++] = l;
        }
        l = end ? end + 1 : l + strlen(l);
    }
    if (n >= 0 && (size_t)n < outlen)
        n += snprintf(out + n, outlen - (size_t)n, k ? "  recent errors:\n" : "  no errors logged\n");
    for (int i = 0; i < k && n >= 0 && (size_t)n < outlen; i++)
        n += snprintf(out + n, outlen - (size_t)n, "    %.*s\n",
                      (int)(strchr(lines[i], '\n') ? strchr(lines[i], '\n') - lines[i] : 300),
                      lines[i]);
    json_decref(d);
    json_decref(p);
    return n;
}
