/*
** suggest.h -- "did you mean" suggestions: the closest of a list of names
** to a word that is not one of them (a config key, a command-line flag, a
** state name, a module field).
*/
#ifndef VT_SUGGEST_H
#define VT_SUGGEST_H

/* Edit distance (Levenshtein, letters compared without case) of a and b,
** or 1000 when either is longer than 40 characters. */
int vt_edit_distance(const char *a, const char *b);
/* The closest of names[0..n) to s, or NULL if none is within 2 edits.
** Ties go to the first.  names may hold NULLs, which are skipped. */
const char *vt_suggest_closest(const char *s, const char *const *names, int n);

#endif
