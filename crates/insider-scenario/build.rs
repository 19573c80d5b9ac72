// Rebuild when any built-in pack changes: include_dir! alone does not tell cargo to.
fn main() {
    println!("cargo:rerun-if-changed=../../scenarios");
}
