// SPDX-License-Identifier: GPL-2.0

//! Registering x_tables targets from Rust.
//!
//! Modelled on `kernel::net::phy`: a trait the target implements, an
//! adapter holding the `extern "C"` trampolines, and a [`Registration`] that
//! registers in its constructor and unregisters when dropped. The target's
//! own code then needs no `unsafe`.

use crate::{bindings, skb::SkBuff};
use core::{marker::PhantomData, mem::size_of};
use kernel::{error::to_result, ffi, prelude::*, types::Opaque, ThisModule};

/// An x_tables target.
pub(crate) trait Target {
    /// The name rules use (`-j NAME`), at most 28 bytes.
    const NAME: &'static str;
    /// The hooks rules may use it from, as a mask of `1 << NF_INET_*`;
    /// x_tables refuses rules in other chains.
    const HOOKS: u32;
    /// The rule's data, as userspace stores it after the target header.
    type Info;

    /// Checks a new rule: its data and the protocol it matches; an error
    /// refuses the rule. (x_tables itself checks no protocol: `check`
    /// decides.)
    fn check(info: &Self::Info, protocol: RuleProtocol, net: &Net) -> Result;

    /// A rule that `check` accepted in `net` is gone (x_tables calls this
    /// exactly once for each).
    fn destroy(info: &Self::Info, net: &Net);

    /// Handles a packet that matched a rule with `info`; returns the
    /// netfilter verdict (`NF_DROP`, `NF_ACCEPT`, ...).
    fn target(skb: &mut SkBuff, info: &Self::Info, par: &ActionParam<'_>) -> u32;
}

/// The protocol families a target can be registered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    /// The `NFPROTO_*` number.
    const fn nfproto(self) -> u16 {
        // Both numbers (2 and 10) fit in 16 bits.
        match self {
            Family::Ipv4 => bindings::NFPROTO_IPV4 as u16,
            Family::Ipv6 => bindings::NFPROTO_IPV6 as u16,
        }
    }
}

/// The protocol a rule matches (`-p`), as its entry says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RuleProtocol {
    /// No `-p` (or `-p all`): every protocol.
    Any,
    /// `-p NUMBER`.
    Only(u8),
    /// `! -p NUMBER`: every protocol but that one.
    AllBut(u8),
    /// The entry could not be read (x_tables passed none).
    Unknown,
}

impl RuleProtocol {
    /// Reads the protocol of the rule x_tables is checking.
    ///
    /// # Safety
    ///
    /// `par.entryinfo` must be null or point to the rule's `ipt_entry`
    /// (for `NFPROTO_IPV4`) or `ip6t_entry` (for `NFPROTO_IPV6`), as
    /// ip_tables, ip6_tables and nft_compat pass it.
    unsafe fn of(par: &bindings::xt_tgchk_param) -> Self {
        let entry = par.entryinfo;
        if entry.is_null() {
            return RuleProtocol::Unknown;
        }
        let (number, inverted, given) = match u32::from(par.family) {
            bindings::NFPROTO_IPV6 => {
                // SAFETY: an IPv6 rule's entry is an `ip6t_entry` (caller).
                let ip = unsafe { &(*entry.cast::<bindings::ip6t_entry>()).ipv6 };
                let given = u32::from(ip.flags) & bindings::IP6T_F_PROTO != 0;
                let inverted = u32::from(ip.invflags) & bindings::XT_INV_PROTO != 0;
                (ip.proto, inverted, given)
            }
            bindings::NFPROTO_IPV4 => {
                // SAFETY: an IPv4 rule's entry is an `ipt_entry` (caller).
                let ip = unsafe { &(*entry.cast::<bindings::ipt_entry>()).ip };
                let inverted = u32::from(ip.invflags) & bindings::XT_INV_PROTO != 0;
                (ip.proto, inverted, true)
            }
            // Not a family this target registers for.
            _ => return RuleProtocol::Unknown,
        };
        // ip6tables leaves the number alone without IP6T_F_PROTO, and
        // nft_compat sets the flag only for a number: either way 0 is any.
        let Ok(number) = u8::try_from(number) else {
            return RuleProtocol::Unknown;
        };
        match (given && number != 0, inverted) {
            (false, _) => RuleProtocol::Any,
            (true, false) => RuleProtocol::Only(number),
            (true, true) => RuleProtocol::AllBut(number),
        }
    }
}

/// A network namespace, borrowed from netfilter for one call.
///
/// # Invariants
///
/// The wrapped `struct net` is alive for as long as the reference to this
/// `Net` lives.
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// Wraps a raw `struct net` pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a `struct net` that stays alive for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Self {
        // SAFETY: `Net` is a transparent wrapper of `struct net`, and the
        // caller guarantees that `ptr` is alive for `'a`.
        // INVARIANT: the caller guarantees it for the reference's life.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }
}

/// What x_tables tells a target about the packet at hand.
pub(crate) struct ActionParam<'a> {
    state: &'a bindings::nf_hook_state,
    net: &'a Net,
    family: Family,
}

impl ActionParam<'_> {
    /// The protocol family of the rule (and so of the packet).
    pub(crate) fn family(&self) -> Family {
        self.family
    }

    /// The netfilter hook (`NF_INET_*`) the packet is at.
    pub(crate) fn hook(&self) -> u32 {
        u32::from(self.state.hook)
    }

    /// The network namespace the packet is in.
    pub(crate) fn net(&self) -> &Net {
        self.net
    }

    /// The socket the packet is sent by, as the hook state says (in
    /// OUTPUT; may be null). Only for comparing: never dereferenced here.
    pub(crate) fn socket(&self) -> *const bindings::sock {
        self.state.sk
    }
}

/// The `extern "C"` functions x_tables calls for a [`Target`].
struct Adapter<T: Target>(PhantomData<T>);

impl<T: Target> Adapter<T> {
    /// # Safety
    ///
    /// Only x_tables may call this, with a valid `skb` and `par` for a rule
    /// of this target, whose data is therefore a `T::Info`.
    unsafe extern "C" fn target(
        skb: *mut bindings::sk_buff,
        par: *const bindings::xt_action_param,
    ) -> ffi::c_uint {
        // SAFETY: x_tables passes a valid `par` for the duration of the call.
        let par = unsafe { &*par };
        // SAFETY: x_tables always sets `state`, valid for the call.
        let state = unsafe { &*par.state };
        // The rule's table decides the family; only IPv4 and IPv6 are
        // registered, so anything else would be a bug in x_tables.
        let family = if u32::from(state.pf) == bindings::NFPROTO_IPV6 {
            Family::Ipv6
        } else {
            Family::Ipv4
        };
        // SAFETY: `targinfo` points to the rule's data, which x_tables
        // checked to be `targetsize` = size_of::<T::Info>() bytes, aligned.
        let info = unsafe { &*par.__bindgen_anon_2.targinfo.cast::<T::Info>() };
        // SAFETY: netfilter passes the namespace of the packet, alive
        // while the packet is in flight.
        let net = unsafe { Net::from_raw(state.net) };
        // SAFETY: the skb is valid for the duration of the call, and lent
        // to this target alone meanwhile.
        let skb = unsafe { SkBuff::from_raw(skb) };
        T::target(skb, info, &ActionParam { state, net, family })
    }

    /// # Safety
    ///
    /// Only x_tables may call this, with a valid `par` for a new rule of
    /// this target, whose data is therefore a `T::Info`.
    unsafe extern "C" fn check(par: *const bindings::xt_tgchk_param) -> ffi::c_int {
        // SAFETY: x_tables passes a valid `par` for the duration of the call.
        let par = unsafe { &*par };
        // SAFETY: as in `target`: the rule's data, checked to be a `T::Info`.
        let info = unsafe { &*par.targinfo.cast::<T::Info>() };
        // SAFETY: x_tables passes the rule's entry of its family (or null).
        let protocol = unsafe { RuleProtocol::of(par) };
        // SAFETY: the rule's namespace, alive while its rules are checked.
        let net = unsafe { Net::from_raw(par.net) };
        match T::check(info, protocol, net) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Only x_tables may call this, with a valid `par` for a rule of this
    /// target that `check` accepted, whose data is therefore a `T::Info`.
    unsafe extern "C" fn destroy(par: *const bindings::xt_tgdtor_param) {
        // SAFETY: x_tables passes a valid `par` for the duration of the call.
        let par = unsafe { &*par };
        // SAFETY: as in `check`: the rule's data, checked to be a `T::Info`.
        let info = unsafe { &*par.targinfo.cast::<T::Info>() };
        // SAFETY: the rule's namespace: alive (if exiting) while its rules
        // are destroyed.
        let net = unsafe { Net::from_raw(par.net) };
        T::destroy(info, net);
    }
}

/// A target registered with x_tables for `N` protocol families; dropping it
/// unregisters them.
///
/// # Invariants
///
/// `targets` were registered with `xt_register_targets()`, which links them
/// into x_tables' lists, so they stay pinned until `Drop` unregisters them.
pub(crate) struct Registration<const N: usize> {
    targets: Pin<KBox<[Opaque<bindings::xt_target>; N]>>,
}

// SAFETY: after registration only x_tables touches the `xt_target`s, under
// its own locking; this type only unregisters them, from any thread.
unsafe impl<const N: usize> Send for Registration<N> {}

// SAFETY: a shared `Registration` offers no access to the targets at all.
unsafe impl<const N: usize> Sync for Registration<N> {}

impl<const N: usize> Registration<N> {
    /// Registers target `T` for each of `families`.
    pub(crate) fn new<T: Target>(
        module: &'static ThisModule,
        families: [Family; N],
    ) -> Result<Self> {
        const { assert!(N > 0, "register at least one family") };
        let targetsize = u32::try_from(size_of::<T::Info>()).map_err(|_| EINVAL)?;
        let mut name = [0 as ffi::c_char; 29];
        let bytes = T::NAME.as_bytes();
        if bytes.len() >= name.len() {
            return Err(EINVAL);
        }
        for (dst, src) in name.iter_mut().zip(bytes) {
            *dst = *src as ffi::c_char;
        }
        let targets = KBox::pin(
            families.map(|family| {
                Opaque::new(bindings::xt_target {
                    name,
                    revision: 0,
                    family: family.nfproto(),
                    hooks: T::HOOKS,
                    // Every protocol: `T::check` decides.
                    proto: 0,
                    targetsize,
                    target: Some(Adapter::<T>::target),
                    checkentry: Some(Adapter::<T>::check),
                    destroy: Some(Adapter::<T>::destroy),
                    me: module.as_ptr().cast(),
                    ..Default::default()
                })
            }),
            GFP_KERNEL,
        )?;
        let count = u32::try_from(N).map_err(|_| EINVAL)?;
        // SAFETY: the targets are initialised, pinned on the heap, and laid
        // out as an array of `xt_target` (`Opaque` is transparent); they
        // outlive the registration, which `Drop` ends.
        to_result(unsafe { bindings::xt_register_targets(targets[0].get(), count) })?;
        // INVARIANT: registered just above.
        Ok(Self { targets })
    }
}

impl<const N: usize> Drop for Registration<N> {
    fn drop(&mut self) {
        // `N` was checked to fit in `new`.
        let count = N as u32;
        // SAFETY: the targets were registered (type invariant) and are
        // unregistered exactly once, here.
        unsafe { bindings::xt_unregister_targets(self.targets[0].get(), count) };
    }
}
