// SPDX-License-Identifier: GPL-2.0

//! The TARPIT target's packet logic, free of kernel types.
//!
//! The kernel module compiles the same source files (with `#[path]`), so
//! what is tested here is what runs in the kernel.

#![no_std]
#![forbid(unsafe_code)]

pub mod decision;
pub mod packet;
pub mod siphash;

pub use decision::*;
