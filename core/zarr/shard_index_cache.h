/* shard_index_cache: the decoded indexes of a sharded array's shards fetched so far (n inner
 * chunks × offset, nbytes), or the shard's absence; thread-safe. */
#ifndef OME_SHARD_INDEX_CACHE_H
#define OME_SHARD_INDEX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ome_shard_cache *ome_shard_cache_new(void);
void ome_shard_cache_free(struct ome_shard_cache *c);
/* Copies the cached index of `key` (2 × n entries) or its absence out; false when not cached. */
bool ome_shard_cache_get(struct ome_shard_cache *c, const char *key, uint64_t *entries, size_t n,
                         bool *absent);
/* Keeps the index of `key` (or its absence), replacing what its slot held. */
void ome_shard_cache_put(struct ome_shard_cache *c, const char *key, const uint64_t *entries,
                         size_t n, bool absent);

#endif
