// SPDX-License-Identifier: GPL-2.0

//! TARPIT: an x_tables target that holds TCP connections open with a zero
//! window, keeping no per-connection state.

use kernel::prelude::*;

/// The reply decision, shared with the host crate `tarpit-logic`.
#[path = "../logic/src/decision.rs"]
pub mod decision;

module! {
    type: XtTarpit,
    name: "xt_TARPIT",
    authors: ["xt_TARPIT developers"],
    description: "Xtables: TARPIT target, holds TCP connections with a zero window",
    license: "GPL",
    alias: ["ipt_TARPIT", "ip6t_TARPIT"],
}

struct XtTarpit;

impl kernel::Module for XtTarpit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("loaded\n");
        Ok(XtTarpit)
    }
}

impl Drop for XtTarpit {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
