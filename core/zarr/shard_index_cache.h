/* shard_index_cache: what is known of the shards of a sharded array fetched so far, by shard
 * key: a small index whole (n inner chunks × offset, nbytes), a shard's absence, or, for an
 * index read in pieces, the shard's size and that its checksum held. Thread-safe. The memory
 * of whole indexes is charged to a budget (the mount's chunk cache: mem_cache) once one is set;
 * an index the budget refuses is not kept. */
#ifndef OME_SHARD_INDEX_CACHE_H
#define OME_SHARD_INDEX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ome_shard_cache *ome_shard_cache_new(void);
void ome_shard_cache_free(struct ome_shard_cache *c);
/* Copies the entries at positions pos[0..npos) of the cached whole index of `key` (2 × npos:
 * offset, nbytes), or its absence, out; false when neither is cached. */
bool ome_shard_cache_get_some(struct ome_shard_cache *c, const char *key, const uint64_t *pos,
                              size_t npos, uint64_t *entries, bool *absent);
/* Keeps the whole index of `key` (2 × n entries) or its absence, replacing what its slot held. */
void ome_shard_cache_put(struct ome_shard_cache *c, const char *key, const uint64_t *entries,
                         size_t n, bool absent);
/* An index read in pieces: the shard's size (0 when not needed) and that its checksum held. */
void ome_shard_cache_put_size(struct ome_shard_cache *c, const char *key, uint64_t size);
bool ome_shard_cache_get_size(struct ome_shard_cache *c, const char *key, uint64_t *size);

/* One reader at a time reads a large index in parts: true when the caller is to (it then calls
 * ome_shard_cache_release with the same key); false once another reader's turn at `key` has
 * ended (or the caller's program gave up waiting): look the cache up again. */
bool ome_shard_cache_claim(struct ome_shard_cache *c, const char *key);
void ome_shard_cache_release(struct ome_shard_cache *c, const char *key);

/* Charges `delta` bytes (negative: gives them back) to a budget; returns false when a charge
 * does not fit (nothing is then charged). */
typedef bool (*ome_budget_fn)(void *ctx, int64_t delta);
/* Sets the budget and charges what is already kept to it (the same budget again changes
 * nothing). A budget is never called once another replaced it, nor when the cache is freed: the
 * budget's owner outlives the array, or sets another. */
void ome_shard_cache_set_budget(struct ome_shard_cache *c, ome_budget_fn charge, void *ctx);

#endif
