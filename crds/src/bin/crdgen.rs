//! Prints the Camera CRD as YAML: `cargo run -p crds --bin crdgen > crds/camera.yaml`.
//! A test fails when the committed file differs from what this prints.

fn main() {
    print!("{}", crds::camera::crd_yaml());
}
