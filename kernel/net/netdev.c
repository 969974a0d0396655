// SPDX-License-Identifier: MIT
/* netdev.c: the list of network devices that drivers register and the network stack attaches to. */
#include "kernel.h"
#include "netdev.h"

struct list netdev_list = LIST_INIT(netdev_list);
static unsigned netdev_count;

void netdev_register(struct netdev *nd)
{
	snprintk(nd->name, sizeof(nd->name), "eth%u", netdev_count++);
	if (!nd->mtu)
		nd->mtu = 1500;
	list_add_tail(&netdev_list, &nd->link);
	printk("%s: %02x:%02x:%02x:%02x:%02x:%02x, mtu %u%s\n", nd->name,
	       nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], nd->mtu,
	       nd->link_up ? "" : ", link down");
}

void netdev_report(void)
{
	struct list *it;

	list_for_each(it, &netdev_list) {
		struct netdev *nd = list_entry(it, struct netdev, link);
		printk("%s: rx %lu frames (%lu bytes, %lu errors, %lu dropped), tx %lu frames (%lu bytes); "
		       "%lu interrupts, %lu notifications, %lu notifications suppressed\n",
		       nd->name, nd->rx_packets, nd->rx_bytes, nd->rx_errors, nd->rx_dropped,
		       nd->tx_packets, nd->tx_bytes, nd->interrupts, nd->notifies, nd->notifies_suppressed);
	}
}
