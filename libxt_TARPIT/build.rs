// SPDX-License-Identifier: GPL-2.0

//! Compiles the C descriptor and generates bindings for libxtables' types.

use std::{env, path::PathBuf};

fn main() {
    let xtables = pkg_config::probe_library("xtables")
        .expect("libxtables not found: install libxtables-dev (scripts/setup-toolchain does)");

    // The constructor that registers the target is referenced by nothing, so
    // the whole archive must be linked or the linker drops it.
    cc::Build::new()
        .file("src/register.c")
        .include("..")
        .includes(&xtables.include_paths)
        .warnings_into_errors(true)
        .link_lib_modifier("+whole-archive")
        .compile("tarpit_register");

    let bindings = bindgen::Builder::default()
        .header_contents("wrapper.h", "#include <xtables.h>\n")
        .clang_args(
            xtables
                .include_paths
                .iter()
                .map(|p| format!("-I{}", p.display())),
        )
        .allowlist_type("xt_option_call|xt_entry_target")
        .allowlist_function("xtables_option_parse")
        .generate()
        .expect("bindgen failed on xtables.h");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("xtables.rs"))
        .expect("cannot write the bindings");

    println!("cargo:rerun-if-changed=src/register.c");
    println!("cargo:rerun-if-changed=../xt_TARPIT.h");
}
