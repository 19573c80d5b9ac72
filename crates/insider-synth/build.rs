// Rebuild when a built-in generator spec changes: include_dir! alone does not tell cargo to.
fn main() {
    println!("cargo:rerun-if-changed=../../synth");
}
