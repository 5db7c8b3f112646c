/* suggest: "did you mean ...?" for misspelt names (config keys, sections, commands, functions). */
#ifndef SPOKE_SUGGEST_H
#define SPOKE_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute, swap of neighbours) between A and B, capped at 99. */
int suggest_distance(const char *a, const char *b);
/*
 * Returns the candidate closest to WORD when it is close enough to be a likely typo (distance
 * at most 1 for short words, 2 from 5 letters, 3 from 9), else NULL. Returns a borrowed pointer.
 */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
