//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped example contracts (concrete WSDLs, not the imported abstract halves).
pub fn shipped_contracts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root().join("wsdl")).expect("wsdl/") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("contract dir") {
            let f = f.expect("entry").path();
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name.ends_with(".wsdl") && !name.ends_with("-abstract.wsdl") {
                out.push(f);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 3,
        "expected the shipped contracts, found {out:?}"
    );
    out
}

/// Runs the soapbridge binary from the repository root.
pub fn soapbridge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soapbridge"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run soapbridge")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory under the target dir.
pub fn scratch() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "it-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, text).expect("write");
    p
}

pub fn inspect_json(path: &Path) -> serde_json::Value {
    let out = soapbridge(&["inspect", "--json", path.to_str().expect("utf-8 path")]);
    assert!(out.status.success(), "inspect failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON")
}

/// Runs the `openssl` CLI in `dir` (its output discarded) and asserts it
/// succeeded: the tests make their keys, certificates and CRLs with it.
pub fn openssl(dir: &Path, args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl")
        .success();
    assert!(ok, "openssl {args:?}");
}

/// A scratch `openssl ca` database for the CA `ca.pem`/`ca.key` in `dir`,
/// to revoke certificates and issue its CRLs (valid two days).
pub struct CaDatabase<'a> {
    dir: &'a Path,
}

impl<'a> CaDatabase<'a> {
    pub fn new(dir: &'a Path) -> Self {
        write(
            dir,
            "ca.cnf",
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n",
        );
        write(dir, "index.txt", "");
        write(dir, "crlnumber", "01\n");
        CaDatabase { dir }
    }

    fn ca(&self, args: &[&str]) {
        let ca = [
            "ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem",
        ];
        openssl(self.dir, &[&ca[..], args].concat());
    }

    /// Revokes the certificate `{who}.pem`.
    pub fn revoke(&self, who: &str) {
        self.ca(&["-revoke", &format!("{who}.pem")]);
    }

    /// Writes the CA's CRL (everything revoked so far) to `out`.
    pub fn crl(&self, out: &str) {
        self.ca(&["-gencrl", "-out", out]);
    }
}
