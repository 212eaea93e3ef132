//! Embeds the web UI: every file under `ui/` that a browser loads (not `node_modules/`, `tests/` or npm's own
//! files), plus hls.js from `ui/node_modules` as `vendor/hls.light.min.js`. `scripts/build-ui.sh` installs the
//! pinned npm packages first; the test command and the image build run it.

use std::fmt::Write;
use std::path::{Path, PathBuf};

const SERVED: [&str; 7] = ["html", "js", "mjs", "css", "svg", "png", "ico"];
const SKIPPED_DIRS: [&str; 3] = ["node_modules", "tests", "test-results"];
const HLS: &str = "node_modules/hls.js/dist/hls.light.min.js";

fn main() {
    let ui = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("ui");
    let hls = ui.join(HLS);
    if !hls.exists() {
        panic!(
            "{} is missing: run scripts/build-ui.sh (npm ci in playback/ui) before building camera-playback",
            hls.display()
        );
    }
    let mut files = vec![("vendor/hls.light.min.js".to_owned(), hls.clone())];
    collect(&ui, &ui, &mut files);
    files.sort();
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (path, source) in &files {
        writeln!(code, "    ({path:?}, include_bytes!({:?})),", source.display().to_string()).unwrap();
        println!("cargo:rerun-if-changed={}", source.display());
    }
    code.push_str("];\n");
    println!("cargo:rerun-if-changed={}", ui.display());
    std::fs::write(PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("ui_files.rs"), code).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                collect(root, &path, files);
            }
        } else if path.extension().is_some_and(|ext| SERVED.contains(&ext.to_string_lossy().as_ref())) {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.push((relative, path));
        }
    }
}
