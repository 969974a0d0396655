# SPDX-License-Identifier: MIT
# lwip.mk: builds Debian's lwIP (unpacked by scripts/setup into build/src) into the kernel, under the port layer in kernel/net/lwip/.

LWIP_DIR := $(firstword $(wildcard $(BUILD)/src/lwip-*/src))
ifeq ($(LWIP_DIR),)
LWIP_DIR := $(BUILD)/src/lwip-MISSING/src
$(warning lwip.mk: no lwIP source in $(BUILD)/src: run scripts/setup)
endif

# The core, IPv4 with ARP and DHCP, IPv6 with ND, MLD and SLAAC, Ethernet.
# No sequential or socket API: the kernel's own socket layer uses the raw API.
LWIP_FILES := init def dns inet_chksum ip mem memp netif pbuf stats sys tcp tcp_in tcp_out timeouts udp \
	ipv4/dhcp ipv4/etharp ipv4/icmp ipv4/ip4_frag ipv4/ip4 ipv4/ip4_addr \
	ipv6/ethip6 ipv6/icmp6 ipv6/inet6 ipv6/ip6 ipv6/ip6_addr ipv6/ip6_frag ipv6/mld6 ipv6/nd6
LWIP_SRCS := $(patsubst %,$(LWIP_DIR)/core/%.c,$(LWIP_FILES)) $(LWIP_DIR)/netif/ethernet.c
LWIP_OBJS := $(patsubst $(LWIP_DIR)/%.c,$(KERNEL_OUT)/lwip/%.o,$(LWIP_SRCS))
# The port layer: options, compiler glue, time and timers.
LWIP_PORT_SRCS := $(wildcard kernel/net/lwip/*.c)
LWIP_PORT_OBJS := $(patsubst kernel/%,$(KERNEL_OUT)/obj/%.o,$(LWIP_PORT_SRCS))

LWIP_INCLUDES := -Ikernel/net/lwip -I$(LWIP_DIR)/include

# lwIP's own code is built with the kernel's flags; only warnings it trips
# over (unused variables in some configurations, sign comparisons) are relaxed.
$(KERNEL_OUT)/lwip/%.o: $(LWIP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) $(LWIP_INCLUDES) -Wno-sign-compare -Wno-unused-but-set-variable \
		-Wno-address -Wno-type-limits -c $< -o $@

# The kernel's network code sees lwIP's headers.
$(KERNEL_OUT)/obj/net/%.o: KERNEL_CFLAGS += $(LWIP_INCLUDES)

-include $(LWIP_OBJS:.o=.d)
