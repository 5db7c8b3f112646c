/*
 * rules_impl: what the files of the rules loader share (the loader's state, places in a file
 * and the one way problems are reported). Not for use outside src/mapping/rules*.c.
 */
#ifndef SPOKE_RULES_IMPL_H
#define SPOKE_RULES_IMPL_H

#include "mapping/jsonpos.h"
#include "mapping/rules.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_STEPS 6
#define NELEM(a)  (sizeof(a) / sizeof((a)[0]))

/* One rule file as read. Its text stays until the load ends, for the lines of messages. */
struct src {
	const char *path;
	char *text;
	size_t len;
};

/* Where a loaded rule came from; parallel to the ruleset's rules. */
struct origin {
	const struct src *src;
	size_t index; /* in the file's "rules" */
};

struct loader {
	struct ruleset *rs;
	struct origin *origins;
	int cap;
	bool (*target_exists)(void *arg, const char *name);
	void *arg;
	int problems;
};

/*
 * What a message is about: a file, or one of its rules (NAME NULL until known), and the path
 * from the document's top to the part concerned (for its line).
 */
struct place {
	const struct src *src;
	bool in_rule;
	size_t index;
	const char *name;
	struct jsonpos_step steps[MAX_STEPS];
	size_t nsteps;
};

/* Logs one problem as "FILE:LINE: [LABEL[, PART]: ]message" and counts it. PART may be NULL. */
void rules_report(struct loader *ld, const struct place *p, const char *part, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* P with one more step: member KEY. */
struct place rules_at_key(const struct place *p, const char *key);
/* P with one more step: element I. */
struct place rules_at_index(const struct place *p, size_t i);
/* "an object", "a string", ... for messages. */
const char *rules_kind_of(const json_t *j);
/* Reports every member of OBJ (at P) not in FIELDS, with the likely one it misspells. */
void rules_check_fields(struct loader *ld, const struct place *p, json_t *obj,
                        const char *const *fields, size_t n);

/* Reads element INDEX of SRC's "rules" (OBJ) into a new rule of the ruleset (rules_rule.c). */
void rules_load_rule(struct loader *ld, const struct src *src, size_t index, json_t *obj);

/* rules_http.c: reads the "http" of rule OBJ (at P) into R, reporting what does not go with it. */
void rules_load_http(struct loader *ld, const struct place *p, json_t *obj, struct rule *r);
void rules_free_http(struct rule_http *h);
/* rule_eval for an HTTP rule that the event's op and "where" let through. */
int rules_eval_http(const struct rule *r, const struct event *ev, struct expr_ctx *ctx,
                    struct rowop *op, char *err, size_t errlen);
/* Calls FN for every expression of H's templates. */
int rules_visit_http(const struct rule_http *h, int (*fn)(void *arg, const struct expr *e),
                     void *arg);

#endif
