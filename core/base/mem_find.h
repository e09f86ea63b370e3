/* mem_find: the first occurrence of a byte string in a buffer (memmem, in standard C). */
#ifndef OME_MEM_FIND_H
#define OME_MEM_FIND_H

#include <stddef.h>

/* The first place needle (nlen bytes) starts in hay (hlen bytes), or NULL; an empty needle is
 * found at hay. */
const void *ome_mem_find(const void *hay, size_t hlen, const void *needle, size_t nlen);

#endif
