/*
 * manpage: spoke.1, written from the same command table and help texts as `spoke help` (so the
 * two never disagree): `spoke help --man > deploy/spoke.1`.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <string.h>

/* Writes TEXT as troff: backslashes escaped, a line starting with . or ' protected. */
static void roff(FILE *out, const char *text)
{
	bool bol = true;

	for (const char *p = text; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
		bol = *p == '\n';
	}
	if (!bol)
		fputc('\n', out);
}

static void write_command(FILE *out, const struct command *c)
{
	fprintf(out, ".SS \"spoke %s\"\n", c->name);
	roff(out, c->summary);
	fputs(".PP\n.B spoke ", out);
	roff(out, c->usage);
	fputs(".PP\n.nf\n", out);
	roff(out, c->help);
	fputs(".fi\n", out);
}

void cmd_write_man(FILE *out, const struct command *const *cmds, size_t n)
{
	fputs(".TH SPOKE 1 \"\" \"spoke " SPOKE_VERSION "\" \"User Commands\"\n"
	      ".SH NAME\nspoke \\- database change-data capture into Kafka, and apply to databases "
	      "and HTTP APIs\n"
	      ".SH SYNOPSIS\n.B spoke\n.I command\n[\n.I options\n]\n"
	      ".SH DESCRIPTION\n"
	      "spoke captures committed row changes from PostgreSQL (logical decoding) and from\n"
	      "MariaDB/MySQL or any ODBC database (trigger tables) into Kafka, in a Debezium\n"
	      "envelope, and applies change topics to databases and HTTP APIs with mapping rules.\n"
	      "A position is confirmed only after Kafka or the target acknowledged everything\n"
	      "before it: a crash repeats changes at worst, never loses one.\n"
	      ".SH COMMANDS\n",
	      out);
	for (size_t i = 0; i < n; i++)
		write_command(out, cmds[i]);
	fputs(".SH FILES\n"
	      ".TP\n.I spoke.conf\n"
	      "The configuration (INI): [spoke], [kafka], [source NAME], [target NAME],\n"
	      "[applier NAME].\n"
	      ".B spoke config \\-\\-keys\n"
	      "lists every key with its type, default and meaning.\n"
	      ".TP\n.I state_dir/\n"
	      "Checkpoints of trigger sources, snapshot state, remote ids of HTTP targets\n"
	      "(http\\-TARGET.sqlite) and what running processes show spoke status (run/).\n"
	      ".SH EXIT STATUS\n0 on success, 1 on failure, 2 on a usage error.\n"
	      ".SH SEE ALSO\n"
	      "The README of spoke; schemas/rules.schema.json (rule files) and\n"
	      "schemas/ (the change event).\n",
	      out);
}
