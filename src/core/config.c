/* config: the INI configuration (libinih), validated against one key table per section type. */
#include "core/config.h"
#include "core/config_value.h"
#include "core/connstr.h"
#include "core/log.h"
#include "core/suggest.h"
#include "core/units.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MSG_MAX 1024

/* State while one file is read. Keys are stored raw, then checked once the file is read. */
struct loader {
	struct config *cfg;
	config_report_fn report;
	void *arg;
	FILE *f;
	char *buf;
	size_t bufsize;
	int lineno;
	int errors;
	long cur;           /* index of the section being read; -1 none, -2 ignored */
	bool last_was_key;  /* the previous non-blank line was key = value (or its continuation) */
	bool continuation;  /* the line being handled continues the previous value */
	char **last_target; /* the value a continuation line appends to */
	struct problem *problems;
	size_t nproblems;
};

/* A problem found, kept until the file is read so they can be reported in line order. */
struct problem {
	int line;
	char *message;
};

__attribute__((format(printf, 3, 4))) static void problem(struct loader *ld, int line,
                                                          const char *fmt, ...)
{
	char msg[MSG_MAX];
	char full[MSG_MAX + 256];
	struct problem *grown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", ld->cfg->path, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", ld->cfg->path, msg);
	ld->errors++;
	grown = realloc(ld->problems, (ld->nproblems + 1) * sizeof(*grown));
	if (!grown)
		return;
	ld->problems = grown;
	grown[ld->nproblems].line = line;
	grown[ld->nproblems].message = strdup(full);
	if (grown[ld->nproblems].message)
		ld->nproblems++;
}

static int by_line(const void *a, const void *b)
{
	const struct problem *pa = a, *pb = b;

	if (pa->line != pb->line)
		return pa->line < pb->line ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

/* Reports the problems in line order, each scrubbed of every secret now known. */
static void report_problems(struct loader *ld)
{
	if (ld->nproblems)
		qsort(ld->problems, ld->nproblems, sizeof(*ld->problems), by_line);
	for (size_t i = 0; i < ld->nproblems; i++) {
		char *m = ld->problems[i].message;

		log_scrub(m, strlen(m) + 1);
		ld->report(ld->arg, m);
		free(m);
	}
	free(ld->problems);
}

static const struct conf_section_def *find_section_def(const char *kind)
{
	for (size_t i = 0; i < config_nsections; i++)
		if (strcmp(config_sections[i].kind, kind) == 0)
			return &config_sections[i];
	return NULL;
}

static const struct conf_key *find_key(const struct conf_section_def *def, const char *name)
{
	for (size_t i = 0; i < def->nkeys; i++)
		if (strcmp(def->keys[i].name, name) == 0)
			return &def->keys[i];
	return NULL;
}

static size_t key_index(const struct conf_section_def *def, const struct conf_key *key)
{
	return (size_t)(key - def->keys);
}

/* Writes "[kind name]" or "[kind]" into OUT. */
static const char *section_label(const struct conf_section *sec, char *out, size_t outlen)
{
	if (sec->name)
		snprintf(out, outlen, "[%s %s]", sec->def->kind, sec->name);
	else
		snprintf(out, outlen, "[%s]", sec->def->kind);
	return out;
}

static void suggest_section(struct loader *ld, const char *kind)
{
	const char *names[16];
	const char *near;
	size_t n = 0;

	for (size_t i = 0; i < config_nsections && n < 16; i++)
		names[n++] = config_sections[i].kind;
	near = suggest_nearest(kind, names, n);
	if (near)
		problem(ld, ld->lineno, "unknown section [%s]; did you mean [%s]?", kind, near);
	else
		problem(ld, ld->lineno,
		        "unknown section [%s]; sections are [spoke], [kafka], [source NAME], "
		        "[target NAME] and [applier NAME]",
		        kind);
}

static bool valid_name(const char *name)
{
	if (!*name || strlen(name) > 63)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Checks the header's kind and name; returns the definition, or NULL after reporting. */
static const struct conf_section_def *check_header(struct loader *ld, const char *kind,
                                                   const char *name)
{
	const struct conf_section_def *def = find_section_def(kind);

	if (!def) {
		suggest_section(ld, kind);
		return NULL;
	}
	if (def->named && !*name) {
		problem(ld, ld->lineno, "[%s] needs a name, as in [%s erp]", kind, kind);
		return NULL;
	}
	if (!def->named && *name) {
		problem(ld, ld->lineno, "[%s] takes no name; write [%s]", kind, kind);
		return NULL;
	}
	if (def->named && !valid_name(name)) {
		problem(ld, ld->lineno,
		        "[%s %s]: a name is 1 to 63 letters, digits, '_' or '-' (it is used in "
		        "topic, slot and group names)",
		        kind, name);
		return NULL;
	}
	for (size_t i = 0; i < ld->cfg->nsections; i++) {
		struct conf_section *s = &ld->cfg->sections[i];

		if (s->def == def && (!s->name || strcmp(s->name, name) == 0)) {
			problem(ld, ld->lineno, "[%s%s%s] is defined twice (first at line %d)",
			        kind, *name ? " " : "", name, s->line);
			return NULL;
		}
	}
	return def;
}

static int add_section(struct loader *ld, const struct conf_section_def *def, const char *name)
{
	struct config *cfg = ld->cfg;
	struct conf_section *grown, *sec;

	grown = realloc(cfg->sections, (cfg->nsections + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	cfg->sections = grown;
	sec = &grown[cfg->nsections];
	memset(sec, 0, sizeof(*sec));
	sec->def = def;
	sec->line = ld->lineno;
	sec->name = def->named ? strdup(name) : NULL;
	sec->values = calloc(def->nkeys ? def->nkeys : 1, sizeof(*sec->values));
	if (!sec->values || (def->named && !sec->name)) {
		free(sec->values);
		free(sec->name);
		return -1;
	}
	ld->cur = (long)cfg->nsections++;
	return 0;
}

/* Handles a "[kind name]" line (LINE is trimmed and starts with '['). */
static void begin_section(struct loader *ld, char *line)
{
	char *close = strchr(line, ']');
	char *kind, *name;
	const struct conf_section_def *def;

	ld->cur = -2;
	if (!close || conf_trim(close + 1)[0] != '\0') {
		problem(ld, ld->lineno,
		        "a section header is [kind] or [kind NAME] on a line of its own");
		return;
	}
	*close = '\0';
	kind = conf_trim(line + 1);
	name = kind;
	while (*name && !isspace((unsigned char)*name))
		name++;
	if (*name)
		*name++ = '\0';
	name = conf_trim(name);
	def = check_header(ld, kind, name);
	if (def && add_section(ld, def, name) < 0)
		problem(ld, ld->lineno, "out of memory");
}

/* Says whether the raw line is a key line, a continuation, a header, or junk; as inih sees it. */
static void classify_line(struct loader *ld, char *line, char *pass, size_t passlen)
{
	char *start = line;
	bool indented;

	if (ld->lineno == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	indented = isspace((unsigned char)*start);
	start = conf_trim(start);
	ld->continuation = false;
	snprintf(pass, passlen, "%s\n", line);
	if (!*start || *start == ';' || *start == '#')
		return;
	if (ld->last_was_key && indented) {
		ld->continuation = true;
	} else if (*start == '[') {
		ld->last_was_key = false;
		begin_section(ld, start);
		if (ld->cur == -2)
			snprintf(pass, passlen, "[]\n");
	} else if (strcspn(start, "=:") < strcspn(start, ";")) {
		ld->last_was_key = true;
	} else {
		problem(ld, ld->lineno,
		        "expected 'key = value' or a [section] header, found '%.40s'", start);
		snprintf(pass, passlen, "\n");
	}
}

/* True (after reporting) when the line holds a NUL or a control byte: not a text file. */
static bool binary_line(struct loader *ld, const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
			problem(
			    ld, ld->lineno,
			    "byte 0x%02x is not text: this does not look like an INI config file",
			    c);
			return true;
		}
	}
	return false;
}

/* The ini_reader: reads whole lines itself so it can check them and count line numbers. */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	ssize_t len = getline(&ld->buf, &ld->bufsize, ld->f);

	if (len < 0)
		return NULL;
	ld->lineno++;
	if (binary_line(ld, ld->buf, (size_t)len))
		return NULL; /* stop reading: one message for a binary file is enough */
	while (len > 0 && (ld->buf[len - 1] == '\n' || ld->buf[len - 1] == '\r'))
		ld->buf[--len] = '\0';
	if (len + 2 > num) {
		problem(ld, ld->lineno,
		        "line is longer than %d characters; continue a long value on the next "
		        "line, indented",
		        num - 2);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	classify_line(ld, ld->buf, str, (size_t)num);
	return str;
}

/* Appends a continuation line to the value it continues, joined by one space. */
static void append_continuation(struct loader *ld, const char *value)
{
	char *old = *ld->last_target;
	size_t n = strlen(old) + strlen(value) + 2;
	char *joined = malloc(n);

	if (!joined) {
		problem(ld, ld->lineno, "out of memory");
		return;
	}
	snprintf(joined, n, "%s%s%s", old, *old ? " " : "", value);
	free(old);
	*ld->last_target = joined;
}

static void add_pair(struct loader *ld, struct conf_section *sec, const char *name,
                     const char *value)
{
	struct conf_pair *grown;

	for (size_t i = 0; i < sec->npairs; i++) {
		if (strcmp(sec->pairs[i].name, name) == 0) {
			problem(ld, ld->lineno, "[%s] %s is set twice (first at line %d)",
			        sec->def->kind, name, sec->pairs[i].line);
			ld->last_target = NULL;
			return;
		}
	}
	grown = realloc(sec->pairs, (sec->npairs + 1) * sizeof(*grown));
	if (!grown) {
		problem(ld, ld->lineno, "out of memory");
		return;
	}
	sec->pairs = grown;
	grown[sec->npairs].name = strdup(name);
	grown[sec->npairs].value = strdup(value);
	grown[sec->npairs].line = ld->lineno;
	ld->last_target = &grown[sec->npairs].value;
	sec->npairs++;
}

static void unknown_key(struct loader *ld, struct conf_section *sec, const char *name)
{
	const char *names[64];
	size_t n = 0;
	const char *near;
	char label[96];

	for (size_t i = 0; i < sec->def->nkeys && n < 64; i++)
		names[n++] = sec->def->keys[i].name;
	near = suggest_nearest(name, names, n);
	section_label(sec, label, sizeof(label));
	if (near)
		problem(ld, ld->lineno, "unknown key '%s' in %s; did you mean '%s'?", name, label,
		        near);
	else
		problem(ld, ld->lineno, "unknown key '%s' in %s (spoke config --keys lists them)",
		        name, label);
}

/* Finds NAME, or NAME_file for a secret key (setting *file). */
static const struct conf_key *lookup_key(const struct conf_section_def *def, const char *name,
                                         bool *file)
{
	const struct conf_key *key = find_key(def, name);
	size_t len = strlen(name);
	char base[128];

	*file = false;
	if (key || len < 6 || len >= sizeof(base) || strcmp(name + len - 5, "_file") != 0)
		return key;
	memcpy(base, name, len - 5);
	base[len - 5] = '\0';
	key = find_key(def, base);
	if (key && key->type == CONF_SECRET) {
		*file = true;
		return key;
	}
	return NULL;
}

static void set_key(struct loader *ld, struct conf_section *sec, const char *name,
                    const char *value)
{
	bool file;
	const struct conf_key *key = lookup_key(sec->def, name, &file);
	struct conf_value *val;
	char label[96];

	if (!key) {
		unknown_key(ld, sec, name);
		return;
	}
	val = &sec->values[key_index(sec->def, key)];
	if (val->line && val->from_file != file) {
		problem(ld, ld->lineno, "%s sets both %s and %s_file (line %d); keep one",
		        section_label(sec, label, sizeof(label)), key->name, key->name, val->line);
		return;
	}
	if (val->line) {
		problem(ld, ld->lineno, "%s %s is set twice (first at line %d)",
		        section_label(sec, label, sizeof(label)), name, val->line);
		return;
	}
	val->line = ld->lineno;
	val->from_file = file;
	if (file)
		val->file = strdup(value);
	else
		val->text = strdup(value);
	ld->last_target = file ? &val->file : &val->text;
}

/* The ini_handler: called for every key = value line and every continuation line. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct conf_section *sec;

	(void)section;
	if (ld->continuation) {
		if (ld->last_target && *ld->last_target)
			append_continuation(ld, value);
		return 1;
	}
	ld->last_target = NULL;
	if (ld->cur == -2)
		return 1; /* inside a section that was already reported */
	if (ld->cur == -1) {
		problem(
		    ld, ld->lineno,
		    "'%s' is outside any section; put it under [spoke], [kafka], [source NAME], "
		    "[target NAME] or [applier NAME]",
		    name);
		return 1;
	}
	sec = &ld->cfg->sections[ld->cur];
	if (!*name)
		problem(ld, ld->lineno, "a line has a value but no key name");
	else if (sec->def->passthrough)
		add_pair(ld, sec, name, value);
	else
		set_key(ld, sec, name, value);
	return 1;
}

/* Reports a bad value, with a "did you mean" for enums. Secrets are never echoed. */
static void bad_value(struct loader *ld, const struct conf_section *sec, const struct conf_key *key,
                      const struct conf_value *val, const char *why)
{
	char label[96];
	const char *near = NULL;
	const char *words[16];
	size_t n = 0;

	section_label(sec, label, sizeof(label));
	if (key->type == CONF_ENUM) {
		char copy[160];
		char *save = NULL;

		snprintf(copy, sizeof(copy), "%s", key->choices);
		for (char *w = strtok_r(copy, "|", &save); w && n < 16;
		     w = strtok_r(NULL, "|", &save))
			words[n++] = w;
		near = suggest_nearest(val->text, words, n);
		if (near) {
			problem(ld, val->line, "%s %s = '%s' %s; did you mean '%s'?", label,
			        key->name, val->text, why, near);
			return;
		}
	}
	problem(ld, val->line, "%s %s = '%s' %s", label, key->name, val->text, why);
}

/*
 * HTTP headers = "Name: value", ...: the value of a header whose name speaks of credentials
 * (Authorization, X-Api-Key, Cookie, ...) is a secret.
 */
static void register_header_secrets(const struct conf_value *val)
{
	static const char *const words[] = {"auth", "key", "token", "secret", "password", "cookie"};

	for (size_t i = 0; i < val->nlist; i++) {
		const char *colon = strchr(val->list[i], ':');
		char name[128];
		if (!colon || (size_t)(colon - val->list[i]) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - val->list[i]), val->list[i]);
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			if (strcasestr(name, words[w])) {
				log_add_secret(colon + 1 + strspn(colon + 1, " \t"));
				break;
			}
	}
}

static void register_secrets(const struct conf_key *key, const struct conf_value *val)
{
	const char *start, *p = val->text;
	size_t len;

	if (strcmp(key->name, "headers") == 0)
		register_header_secrets(val);
	if (key->type == CONF_SECRET) {
		log_add_secret(val->text);
		return;
	}
	if (!(key->flags & CONF_CONNSTR))
		return;
	while ((p = connstr_next_secret(p, &start, &len)) != NULL) {
		char secret[256];

		snprintf(secret, sizeof(secret), "%.*s", (int)len, start);
		log_add_secret(secret);
		if (len > 2 && (start[0] == '\'' || start[0] == '{')) {
			snprintf(secret, sizeof(secret), "%.*s", (int)len - 2, start + 1);
			log_add_secret(secret);
		}
	}
}

static bool applies_to(const struct conf_key *key, const char *type)
{
	return !key->types || (type && conf_in_choices(key->types, type));
}

/* Returns PATH resolved against DIR when it is relative (a new string). */
static char *resolve_path(const char *dir, const char *path)
{
	size_t n;
	char *out;

	if (path[0] == '/' || !dir || strcmp(dir, ".") == 0)
		return strdup(path);
	n = strlen(dir) + strlen(path) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", dir, path);
	return out;
}

/* Makes a written value effective: ${ENV} expanded and, for KEY_file, the file read. */
static bool resolve_value(struct loader *ld, const struct conf_section *sec,
                          const struct conf_key *key, struct conf_value *val)
{
	char err[512], label[96];
	const char *suffix = val->from_file ? "_file" : "";
	char *expanded;

	section_label(sec, label, sizeof(label));
	if (!*(val->from_file ? val->file : val->text)) {
		problem(ld, val->line, "%s %s%s has no value; remove the line to use the default",
		        label, key->name, suffix);
		return false;
	}
	expanded = conf_expand_env(val->from_file ? val->file : val->text, err, sizeof(err));
	if (!expanded) {
		problem(ld, val->line, "%s %s%s %s", label, key->name, suffix, err);
		return false;
	}
	if (!val->from_file) {
		free(val->text);
		val->text = expanded;
		return true;
	}
	free(val->file);
	val->file = resolve_path(ld->cfg->dir, expanded);
	free(expanded);
	val->text = val->file ? conf_read_file(val->file, err, sizeof(err)) : NULL;
	if (!val->text) {
		problem(ld, val->line, "%s %s_file: %s", label, key->name, err);
		return false;
	}
	return true;
}

/* Gives an unset key its default ("{name}" replaced by the section name). */
static void apply_default(const struct conf_section *sec, const struct conf_key *key,
                          struct conf_value *val)
{
	const char *mark = strstr(key->def, "{name}");
	char err[256];
	size_t n;

	if (!mark) {
		val->text = strdup(key->def);
	} else {
		n = strlen(key->def) + (sec->name ? strlen(sec->name) : 0) + 1;
		val->text = malloc(n);
		if (val->text)
			snprintf(val->text, n, "%.*s%s%s", (int)(mark - key->def), key->def,
			         sec->name ? sec->name : "", mark + 6);
	}
	if (val->text)
		conf_parse_value(key, val, err, sizeof(err));
}

static void missing_key(struct loader *ld, const struct conf_section *sec,
                        const struct conf_key *key)
{
	char label[96], what[160];

	if (key->type == CONF_ENUM)
		conf_choices_text(key->choices, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "%s", key->help);
	problem(ld, sec->line, "%s needs '%s': %s", section_label(sec, label, sizeof(label)),
	        key->name, what);
}

/* Checks one key of a section. TYPE is the section's type, or NULL when unknown. */
static bool finish_value(struct loader *ld, const struct conf_section *sec,
                         const struct conf_key *key, const char *type, bool type_known)
{
	struct conf_value *val = &sec->values[key_index(sec->def, key)];
	char err[512], label[96];

	if (!val->line) {
		if (type_known && !applies_to(key, type))
			return true;
		if (key->flags & CONF_REQUIRED) {
			if (type_known || !key->types)
				missing_key(ld, sec, key);
			return false;
		}
		if (key->def)
			apply_default(sec, key, val);
		return true;
	}
	if (type_known && !applies_to(key, type)) {
		problem(ld, val->line, "%s %s does not apply to type %s (only to %s)",
		        section_label(sec, label, sizeof(label)), key->name, type, key->types);
		return false;
	}
	if (!resolve_value(ld, sec, key, val))
		return false;
	if (!conf_parse_value(key, val, err, sizeof(err))) {
		bad_value(ld, sec, key, val, err);
		return false;
	}
	register_secrets(key, val);
	return true;
}

bool config_kafka_key_is_secret(const char *name)
{
	return strstr(name, "password") || strstr(name, "secret") || strstr(name, ".pem") ||
	       strstr(name, "oauthbearer.config") || strstr(name, "sasl.username");
}

static void finish_pairs(struct loader *ld, struct conf_section *sec)
{
	char err[512];

	for (size_t i = 0; i < sec->npairs; i++) {
		struct conf_pair *pair = &sec->pairs[i];
		char *expanded;

		if (!*pair->value) {
			problem(ld, pair->line, "[%s] %s has no value", sec->def->kind, pair->name);
			continue;
		}
		expanded = conf_expand_env(pair->value, err, sizeof(err));
		if (!expanded) {
			problem(ld, pair->line, "[%s] %s %s", sec->def->kind, pair->name, err);
			continue;
		}
		free(pair->value);
		pair->value = expanded;
		if (config_kafka_key_is_secret(pair->name))
			log_add_secret(pair->value);
	}
}

static bool holds_secret(const struct conf_key *key)
{
	return key->type == CONF_SECRET || (key->flags & CONF_CONNSTR);
}

/*
 * Checks a section's values: with SECRETS, only the keys that hold secrets (so every secret is
 * known to the scrubber before any other message can quote a value); then the rest.
 */
static void finish_section(struct loader *ld, struct conf_section *sec, bool secrets)
{
	const struct conf_key *tkey;
	const char *type = NULL;
	bool type_known = false;

	if (sec->def->passthrough) {
		if (secrets)
			finish_pairs(ld, sec);
		return;
	}
	tkey = find_key(sec->def, "type");
	if (tkey && secrets)
		finish_value(ld, sec, tkey, NULL, false);
	if (tkey) {
		type = sec->values[key_index(sec->def, tkey)].text;
		type_known = type && conf_in_choices(tkey->choices, type);
	}
	for (size_t i = 0; i < sec->def->nkeys; i++) {
		const struct conf_key *key = &sec->def->keys[i];

		if (key != tkey && holds_secret(key) == secrets)
			finish_value(ld, sec, key, type, type_known);
	}
}

/* Opens PATH after checking it is a readable regular file; NULL after reporting. */
static FILE *open_config(struct loader *ld, const char *path)
{
	struct stat st;
	FILE *f;

	if (stat(path, &st) < 0) {
		problem(ld, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		problem(ld, 0, "is a directory; give the path of the config file (-c FILE)");
		return NULL;
	}
	f = fopen(path, "r");
	if (!f)
		problem(ld, 0, "cannot read: %s", strerror(errno));
	return f;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static void read_file(struct loader *ld)
{
	int rc = ini_parse_stream(read_line, ld, on_value, ld);

	if (rc != 0 && ld->errors == 0)
		problem(ld, rc > 0 ? rc : 0, "cannot be parsed as INI");
	if (ld->errors == 0 && ld->cfg->nsections == 0)
		problem(
		    ld, 0,
		    "is empty: it has no [section] (deploy/spoke.conf.example shows every key)");
	if (ld->errors == 0 && !config_find(ld->cfg, "spoke", NULL)) {
		ld->lineno = 0;
		if (add_section(ld, find_section_def("spoke"), "") < 0)
			problem(ld, 0, "out of memory");
	}
	for (size_t i = 0; i < ld->cfg->nsections; i++)
		finish_section(ld, &ld->cfg->sections[i], true);
	for (size_t i = 0; i < ld->cfg->nsections; i++)
		finish_section(ld, &ld->cfg->sections[i], false);
}

struct config *config_load(const char *path, config_report_fn report, void *arg)
{
	struct loader ld;
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.report = report;
	ld.arg = arg;
	ld.cur = -1;
	cfg->path = strdup(path);
	cfg->dir = dir_of(path);
	if (!cfg->path || !cfg->dir) {
		config_free(cfg);
		return NULL;
	}
	ld.f = open_config(&ld, path);
	if (ld.f) {
		read_file(&ld);
		fclose(ld.f);
	}
	free(ld.buf);
	report_problems(&ld);
	if (ld.errors) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void value_release(struct conf_value *val)
{
	free(val->text);
	free(val->file);
	for (size_t i = 0; i < val->nlist; i++)
		free(val->list[i]);
	free(val->list);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nsections; i++) {
		struct conf_section *sec = &cfg->sections[i];

		for (size_t k = 0; k < sec->def->nkeys; k++)
			value_release(&sec->values[k]);
		for (size_t k = 0; k < sec->npairs; k++) {
			free(sec->pairs[k].name);
			free(sec->pairs[k].value);
		}
		free(sec->values);
		free(sec->pairs);
		free(sec->name);
	}
	free(cfg->sections);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

const struct conf_section *config_section(const struct config *cfg, const char *kind, size_t i)
{
	for (size_t k = 0; k < cfg->nsections; k++)
		if (strcmp(cfg->sections[k].def->kind, kind) == 0 && i-- == 0)
			return &cfg->sections[k];
	return NULL;
}

const struct conf_section *config_find(const struct config *cfg, const char *kind, const char *name)
{
	for (size_t k = 0; k < cfg->nsections; k++) {
		const struct conf_section *s = &cfg->sections[k];

		if (strcmp(s->def->kind, kind) != 0)
			continue;
		if (!name || (s->name && strcmp(s->name, name) == 0))
			return s;
	}
	return NULL;
}

static const struct conf_value *value_of(const struct conf_section *sec, const char *key)
{
	const struct conf_key *k = find_key(sec->def, key);

	assert(k && "key not in the section's table");
	return &sec->values[key_index(sec->def, k)];
}

const char *conf_str(const struct conf_section *sec, const char *key)
{
	return value_of(sec, key)->text;
}

long long conf_num(const struct conf_section *sec, const char *key)
{
	return value_of(sec, key)->num;
}

bool conf_flag(const struct conf_section *sec, const char *key)
{
	return value_of(sec, key)->flag;
}

char *const *conf_list(const struct conf_section *sec, const char *key, size_t *n)
{
	const struct conf_value *val = value_of(sec, key);

	*n = val->nlist;
	return val->list;
}

bool conf_is_set(const struct conf_section *sec, const char *key)
{
	return value_of(sec, key)->line != 0;
}

int conf_line(const struct conf_section *sec, const char *key)
{
	const struct conf_value *val = value_of(sec, key);

	return val->line ? val->line : sec->line;
}
