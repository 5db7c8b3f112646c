/* config_print: writes the effective configuration (secrets redacted) and the key reference. */
#include "core/config.h"
#include "core/config_value.h"
#include "core/connstr.h"
#include "core/log.h"
#include "core/units.h"

#include <stdarg.h>
#include <string.h>

#define LINE_MAX_OUT 2048
#define REDACTED     "<redacted>"

/* Every printed line passes through the logger's scrubber too: a secret never gets out. */
__attribute__((format(printf, 2, 3))) static void emit(FILE *out, const char *fmt, ...)
{
	char line[LINE_MAX_OUT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_scrub(line, sizeof(line));
	fputs(line, out);
}

static bool key_applies(const struct conf_section *sec, const struct conf_key *key)
{
	if (!key->types)
		return true;
	for (size_t i = 0; i < sec->def->nkeys; i++)
		if (strcmp(sec->def->keys[i].name, "type") == 0)
			return sec->values[i].text &&
			       conf_in_choices(key->types, sec->values[i].text);
	return true;
}

static void print_value(FILE *out, const struct conf_key *key, const struct conf_value *val)
{
	char redacted[LINE_MAX_OUT];
	const char *note = val->line ? "" : " ; default";

	if (!val->text) {
		emit(out, "; %s = (not set)\n", key->name);
	} else if (val->from_file) {
		emit(out, "%s_file = %s\n", key->name, val->file);
	} else if (key->type == CONF_SECRET) {
		emit(out, "%s = %s\n", key->name, REDACTED);
	} else if (key->flags & CONF_CONNSTR) {
		connstr_redact(val->text, redacted, sizeof(redacted));
		emit(out, "%s = %s%s\n", key->name, redacted, note);
	} else {
		emit(out, "%s = %s%s\n", key->name, val->text, note);
	}
}

static void print_section(FILE *out, const struct conf_section *sec)
{
	if (sec->name)
		emit(out, "\n[%s %s]\n", sec->def->kind, sec->name);
	else
		emit(out, "\n[%s]\n", sec->def->kind);
	for (size_t i = 0; i < sec->npairs; i++) {
		const struct conf_pair *pair = &sec->pairs[i];

		emit(out, "%s = %s\n", pair->name,
		     config_kafka_key_is_secret(pair->name) ? REDACTED : pair->value);
	}
	for (size_t i = 0; i < sec->def->nkeys; i++)
		if (key_applies(sec, &sec->def->keys[i]))
			print_value(out, &sec->def->keys[i], &sec->values[i]);
}

void config_print(const struct config *cfg, FILE *out)
{
	emit(out, "; effective configuration of %s (secrets redacted)\n", cfg->path);
	for (size_t k = 0; k < config_nsections; k++)
		for (size_t i = 0; i < cfg->nsections; i++)
			if (cfg->sections[i].def == &config_sections[k])
				print_section(out, &cfg->sections[i]);
}

/* Writes the type of KEY and its limits, as a person would write the value. */
static void describe_type(const struct conf_key *key, char *out, size_t outlen)
{
	static const char *const names[] = {"text",     "secret", "number", "boolean",
	                                    "duration", "size",   "one of", "list"};
	char lo[32], hi[32], choices[160];

	if (key->type == CONF_ENUM) {
		conf_choices_text(key->choices, choices, sizeof(choices));
		snprintf(out, outlen, "one of %s", choices);
	} else if ((key->type == CONF_INT || key->type == CONF_DURATION) &&
	           (key->min || key->max)) {
		if (key->type == CONF_DURATION) {
			units_format_duration(key->min, lo, sizeof(lo));
			units_format_duration(key->max, hi, sizeof(hi));
		} else {
			snprintf(lo, sizeof(lo), "%lld", key->min);
			snprintf(hi, sizeof(hi), "%lld", key->max);
		}
		snprintf(out, outlen, "%s, %s to %s", names[key->type], lo, hi);
	} else {
		snprintf(out, outlen, "%s%s", names[key->type],
		         key->type == CONF_SECRET ? " (or KEY_file = PATH)" : "");
	}
}

static void print_key_reference(FILE *out, const struct conf_key *key)
{
	char type[256];

	describe_type(key, type, sizeof(type));
	fprintf(out, "\n; %s%s: %s\n", key->name, key->flags & CONF_REQUIRED ? " (required)" : "",
	        key->help);
	fprintf(out, ";   %s", type);
	if (key->types)
		fprintf(out, "; for type %s", key->types);
	fprintf(out, "\n;%s =%s%s\n", key->name, key->def ? " " : "", key->def ? key->def : "");
}

void config_print_keys(FILE *out)
{
	fprintf(out,
	        "; spoke configuration reference: every section and key with its type and "
	        "default.\n"
	        "; Written by `spoke config --keys` from the same table that checks files.\n"
	        "; Values may use ${ENV} or ${ENV:-default}; a secret KEY may instead be read\n"
	        "; from a file with KEY_file = PATH (relative to this file's directory).\n"
	        "; Durations take a unit (200ms, 5s, 10m, 1h, 1d). A line that starts with\n"
	        "; blanks continues the value above it.\n");
	for (size_t k = 0; k < config_nsections; k++) {
		const struct conf_section_def *def = &config_sections[k];

		fprintf(out, "\n; ------------------------------------------------------------\n");
		fprintf(out, "; [%s%s]: %s\n", def->kind, def->named ? " NAME" : "", def->help);
		if (def->passthrough)
			fprintf(out, ";bootstrap.servers = 127.0.0.1:9092\n");
		for (size_t i = 0; i < def->nkeys; i++)
			print_key_reference(out, &def->keys[i]);
	}
}

/* Writes TEXT for a markdown table cell: | escaped. */
static void md_cell(FILE *out, const char *text)
{
	for (; text && *text; text++)
		fputs(*text == '|' ? "\\|" : (char[]){*text, 0}, out);
}

void config_print_keys_markdown(FILE *out)
{
	char type[256];

	for (size_t k = 0; k < config_nsections; k++) {
		const struct conf_section_def *def = &config_sections[k];

		fprintf(out, "%s`[%s%s]`: %s\n", k ? "\n" : "", def->kind,
		        def->named ? " NAME" : "", def->help);
		if (!def->nkeys)
			continue;
		fprintf(out, "\n| key | type | default | meaning |\n|---|---|---|---|\n");
		for (size_t i = 0; i < def->nkeys; i++) {
			const struct conf_key *key = &def->keys[i];
			describe_type(key, type, sizeof(type));
			fprintf(out, "| `%s`%s | ", key->name,
			        key->flags & CONF_REQUIRED ? " (required)" : "");
			md_cell(out, type);
			if (key->types) {
				fputs("; for ", out);
				md_cell(out, key->types);
			}
			fputs(" | ", out);
			if (key->def) {
				fputc('`', out);
				md_cell(out, key->def);
				fputc('`', out);
			}
			fputs(" | ", out);
			md_cell(out, key->help);
			fputs(" |\n", out);
		}
	}
}
