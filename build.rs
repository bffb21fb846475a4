// The migrations are embedded by `sqlx::migrate!`; a new file in either
// folder must rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=migrations/postgres");
}
