// SPDX-License-Identifier: GPL-2.0

//! TARPIT: an x_tables target that holds TCP connections open with a zero
//! window, keeping no per-connection state.

use kernel::prelude::*;

mod bindings;
mod logic;
mod skb;
mod stats;
mod tarpit;
mod xtables;

// No `author(s)` key: 6.12 spells it `author`, 7.x `authors: [...]`, and
// both take the module without it.
module! {
    type: XtTarpit,
    name: "xt_TARPIT",
    description: "Xtables: TARPIT target, holds TCP connections with a zero window",
    license: "GPL",
    alias: ["ipt_TARPIT", "ip6t_TARPIT"],
}

// Fields drop in order: the targets go before the counters they use.
struct XtTarpit {
    _targets: xtables::Registration<2>,
    _stats: stats::Registration,
}

impl kernel::Module for XtTarpit {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let stats = stats::Registration::new()?;
        let targets = xtables::Registration::new::<tarpit::Tarpit>(
            module,
            [xtables::Family::Ipv4, xtables::Family::Ipv6],
        )?;
        pr_info!("loaded\n");
        Ok(XtTarpit {
            _targets: targets,
            _stats: stats,
        })
    }
}

impl Drop for XtTarpit {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
