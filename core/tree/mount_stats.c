/* mount_stats: JSON report of a mount's counters (read by `.omefs/stats`). */
#include "tree/mount_stats.h"

#include <stdio.h>

static unsigned long long get(const _Atomic uint64_t *c)
{
    return (unsigned long long)atomic_load_explicit(c, memory_order_relaxed);
}

int ome_mount_stats_json(const ome_stats *s, const ome_cache_stats *mem, char *out,
                         size_t outlen)
{
    ome_cache_stats m = {0};
    if (mem)
        m = *mem;
    return snprintf(
        out, outlen,
        "{\n"
        "  \"network\": {\"requests\": %llu, \"bytes_fetched\": %llu, \"retries\": %llu, "
        "\"not_modified\": %llu, \"errors\": %llu},\n"
        "  \"memory_cache\": {\"hits\": %llu, \"misses\": %llu, \"waits\": %llu, "
        "\"evictions\": %llu, \"bytes\": %llu, \"entries\": %llu, \"stream_bytes\": %llu, "
        "\"stream_evictions\": %llu},\n"
        "  \"disk_cache\": {\"hits\": %llu, \"misses\": %llu, \"writes\": %llu, "
        "\"evictions\": %llu, \"corrupt\": %llu},\n"
        "  \"prefetch\": {\"jobs\": %llu, \"chunks\": %llu},\n"
        "  \"reads\": {\"count\": %llu, \"bytes_served\": %llu, \"errors\": %llu}\n"
        "}\n",
        get(&s->requests), get(&s->bytes_fetched), get(&s->retries), get(&s->not_modified),
        get(&s->fetch_errors), (unsigned long long)m.hits, (unsigned long long)m.misses,
        (unsigned long long)m.waits, (unsigned long long)m.evictions,
        (unsigned long long)m.bytes, (unsigned long long)m.entries,
        (unsigned long long)m.stream_bytes, (unsigned long long)m.stream_evictions,
        get(&s->disk_hits),
        get(&s->disk_misses), get(&s->disk_writes), get(&s->disk_evictions),
        get(&s->disk_corrupt), get(&s->prefetch_jobs), get(&s->prefetch_chunks),
        get(&s->reads), get(&s->bytes_served), get(&s->read_errors));
}
