/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C API the module uses, for bindgen (rule in Kbuild). kernel::bindings
 * has no x_tables, netfilter routing or IP output functions.
 */
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <linux/random.h>
#include "../xt_TARPIT.h"
#include "helpers.h"
#include "stats.h"
