# SPDX-License-Identifier: MIT
# cli/cli.mk: builds the husk command, build/bin/husk, from cli/*.c (included by the top-level Makefile).

CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
CLI_CFLAGS := $(HOST_CFLAGS) -D_GNU_SOURCE

all: $(BUILD)/bin/husk

$(BUILD)/bin/husk: $(CLI_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -o $@ $^

$(BUILD)/cli/%.o: cli/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) -MMD -MP -c -o $@ $<

-include $(CLI_OBJS:.o=.d)
