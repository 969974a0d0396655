/* SPDX-License-Identifier: MIT */
/* cmdline.c: formats, quotes and parses the kernel command line "[quiet] OPTIONS -- ARGV..." (abi.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int needs_quotes(const char *t)
{
	if (*t == '\0')
		return 1;
	return strpbrk(t, " \t\n\"\\") != NULL;
}

static int put(char *buf, size_t size, size_t *len, char c)
{
	if (*len + 1 >= size)
		return -E2BIG;
	buf[(*len)++] = c;
	buf[*len] = '\0';
	return 0;
}

int cmdline_append_token(char *buf, size_t size, size_t *len, const char *token)
{
	int quote = needs_quotes(token);
	int err = 0;

	if (*len > 0)
		err = put(buf, size, len, ' ');
	if (!err && quote)
		err = put(buf, size, len, '"');
	for (const char *p = token; !err && *p; p++) {
		if (quote && (*p == '"' || *p == '\\'))
			err = put(buf, size, len, '\\');
		if (!err)
			err = put(buf, size, len, *p);
	}
	if (!err && quote)
		err = put(buf, size, len, '"');
	return err;
}

int cmdline_format(const struct vm_args *args, char **out)
{
	char *buf;
	size_t len = 0;
	int err = 0;

	buf = malloc(CMDLINE_MAX);
	if (!buf)
		return -ENOMEM;
	buf[0] = '\0';
	if (args->quiet)
		err = cmdline_append_token(buf, CMDLINE_MAX, &len, "quiet");
	for (size_t i = 0; !err && i < args->options.n; i++)
		err = cmdline_append_token(buf, CMDLINE_MAX, &len, args->options.v[i]);
	if (!err)
		err = cmdline_append_token(buf, CMDLINE_MAX, &len, "--");
	for (size_t i = 0; !err && i < args->argv.n; i++)
		err = cmdline_append_token(buf, CMDLINE_MAX, &len, args->argv.v[i]);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

int cmdline_split(const char *line, struct strvec *tokens)
{
	size_t cap = strlen(line) + 1;
	char *tok;
	const char *p = line;
	int err = 0;

	tok = malloc(cap);
	if (!tok)
		return -ENOMEM;
	while (!err) {
		size_t n = 0;
		int quoted = 0;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		while (*p && (quoted || *p != ' ')) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
			} else if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
				tok[n++] = p[1];
				p += 2;
			} else {
				tok[n++] = *p++;
			}
		}
		if (quoted) {
			err = -EINVAL;
			break;
		}
		tok[n] = '\0';
		err = strvec_push(tokens, tok);
	}
	free(tok);
	return err;
}

int cmdline_parse(const char *line, struct vm_args *args)
{
	struct strvec tokens = { 0 };
	size_t i;
	int err;

	err = cmdline_split(line, &tokens);
	if (err)
		goto out;
	for (i = 0; i < tokens.n && strcmp(tokens.v[i], "--") != 0; i++) {
		if (strcmp(tokens.v[i], "quiet") == 0)
			args->quiet = 1;
		else if ((err = strvec_push(&args->options, tokens.v[i])))
			goto out;
	}
	/* No "--", or nothing after it: there is no program to run. */
	if (i + 1 >= tokens.n) {
		err = -EINVAL;
		goto out;
	}
	for (i++; i < tokens.n; i++) {
		err = strvec_push(&args->argv, tokens.v[i]);
		if (err)
			goto out;
	}
out:
	strvec_free(&tokens);
	return err;
}

void vm_args_free(struct vm_args *args)
{
	strvec_free(&args->options);
	strvec_free(&args->argv);
}
