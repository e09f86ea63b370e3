/* mount_stats: JSON report of a mount's counters (read by `.omefs/stats`). */
#include "tree/mount_stats.h"

#include <stdio.h>

static unsigned long long get(const _Atomic uint64_t *c)
{
    return (unsigned long long)atomic_load_explicit(c, memory_order_relaxed);
}

/* s as a JSON string's inside: quotes, backslashes and control characters escaped. */
static void json_escape(const char *s, char *out, size_t outlen)
{
    size_t k = 0;
    for (; *s && k + 7 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            k += (size_t)snprintf(out + k, outlen - k, "\\%c", c);
        else if (c < 0x20)
            k += (size_t)snprintf(out + k, outlen - k, "\\u%04x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = '\0';
}

int ome_mount_stats_json(const ome_stats *s, const ome_cache_stats *mem, const char *source,
                         long long mounted_at, char *out, size_t outlen)
{
    ome_cache_stats m = {0};
    if (mem)
        m = *mem;
    char src[4096];
    json_escape(source ? source : "", src, sizeof src);
    return snprintf(
        out, outlen,
        "{\n"
        "  \"mount\": {\"source\": \"%s\", \"mounted_at\": %lld},\n"
        "  \"network\": {\"requests\": %llu, \"bytes_fetched\": %llu, \"retries\": %llu, "
        "\"not_modified\": %llu, \"errors\": %llu},\n"
        "  \"memory_cache\": {\"hits\": %llu, \"misses\": %llu, \"waits\": %llu, "
        "\"evictions\": %llu, \"bytes\": %llu, \"entries\": %llu, \"stream_bytes\": %llu, "
        "\"stream_evictions\": %llu, \"ahead_skipped\": %llu},\n"
        "  \"disk_cache\": {\"hits\": %llu, \"misses\": %llu, \"writes\": %llu, "
        "\"evictions\": %llu, \"corrupt\": %llu, \"bytes\": %llu, \"capacity\": %llu},\n"
        "  \"prefetch\": {\"jobs\": %llu, \"chunks\": %llu},\n"
        "  \"omero\": {\"sessions\": %llu, \"renewals\": %llu},\n"
        "  \"reads\": {\"count\": %llu, \"bytes_served\": %llu, \"errors\": %llu}\n"
        "}\n",
        src, mounted_at, get(&s->requests), get(&s->bytes_fetched), get(&s->retries), get(&s->not_modified),
        get(&s->fetch_errors), (unsigned long long)m.hits, (unsigned long long)m.misses,
        (unsigned long long)m.waits, (unsigned long long)m.evictions,
        (unsigned long long)m.bytes, (unsigned long long)m.entries,
        (unsigned long long)m.stream_bytes, (unsigned long long)m.stream_evictions,
        (unsigned long long)m.ahead_skipped, get(&s->disk_hits),
        get(&s->disk_misses), get(&s->disk_writes), get(&s->disk_evictions),
        get(&s->disk_corrupt), get(&s->disk_bytes), get(&s->disk_cap), get(&s->prefetch_jobs),
        get(&s->prefetch_chunks), get(&s->omero_sessions), get(&s->omero_renewals), get(&s->reads),
        get(&s->bytes_served), get(&s->read_errors));
}
