//! The shape of the code, checked: no two modules use each other, and no
//! function is long without a named reason (README "What is where").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module path under the crate: `["scoring", "plan"]`; empty for the root.
type ModulePath = Vec<String>;

/// Functions over `REVIEW_LINES` lines must be named here with the reason
/// they stay whole; none may pass `MAX_LINES`.
const REVIEW_LINES: usize = 80;
const MAX_LINES: usize = 120;
const LONG_BUT_WHOLE: &[(&str, &str, &str)] = &[];

/// What each top-level module may import (README "What is where"): pure
/// domain code first, then storage and delivery, then the web, then what
/// assembles the process.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("vocabulary", &[]),
    ("form", &[]),
    ("clock", &[]),
    ("logging", &[]),
    ("secrets", &[]),
    ("tokens", &["secrets"]),
    ("scoring", &["form", "vocabulary"]),
    ("advisors", &["form", "leads", "secrets"]),
    ("leads", &["form", "scoring", "tokens", "vocabulary"]),
    ("guides", &["scoring"]),
    ("settings", &["advisors", "leads", "scoring"]),
    (
        "db",
        &["advisors", "clock", "leads", "scoring", "secrets", "tokens"],
    ),
    ("views", &["db"]),
    ("notify", &["clock", "db", "leads", "settings", "tokens"]),
    (
        "web",
        &[
            "advisors",
            "clock",
            "db",
            "form",
            "guides",
            "leads",
            "logging",
            "notify",
            "scoring",
            "secrets",
            "settings",
            "tokens",
            "views",
            "vocabulary",
        ],
    ),
    (
        "workers",
        &[
            "clock", "db", "notify", "secrets", "settings", "tokens", "web",
        ],
    ),
    ("cli", &["advisors", "db", "leads"]),
    (
        "app",
        &[
            "cli", "clock", "db", "guides", "leads", "notify", "secrets", "settings", "views",
            "web", "workers",
        ],
    ),
];

struct Source {
    path: PathBuf,
    module: ModulePath,
    file: syn::File,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        // The binary's thin main, and test modules kept in their own file.
        .filter(|path| {
            path.file_name().is_some_and(|name| {
                name != "main.rs"
                    && name != "tests.rs"
                    && !name.to_string_lossy().ends_with("_tests.rs")
            })
        })
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable source");
            let file = syn::parse_file(&text).expect("valid Rust");
            let relative = path.strip_prefix(&root).expect("under src");
            Source {
                module: module_of(relative),
                path: relative.to_path_buf(),
                file,
            }
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// `scoring/plan.rs` -> scoring::plan; `web/admin/mod.rs` -> web::admin.
fn module_of(relative: &Path) -> ModulePath {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn is_test_module(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// Collects, outside test modules, the paths a file names through `crate`,
/// `super` and `self`, and the length of each function.
#[derive(Default)]
struct Reader {
    paths: Vec<Vec<String>>,
    functions: Vec<(String, usize)>,
}

impl Reader {
    fn function(&mut self, name: &syn::Ident, span: proc_macro2::Span) {
        let lines = span.end().line - span.start().line + 1;
        self.functions.push((name.to_string(), lines));
    }

    fn use_tree(&mut self, prefix: &[String], tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                let mut prefix = prefix.to_vec();
                prefix.push(path.ident.to_string());
                self.use_tree(&prefix, &path.tree);
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.to_vec();
                full.push(name.ident.to_string());
                self.paths.push(full);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.to_vec();
                full.push(rename.ident.to_string());
                self.paths.push(full);
            }
            syn::UseTree::Glob(_) => self.paths.push(prefix.to_vec()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Reader {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if !is_test_module(&module.attrs) {
            syn::visit::visit_item_mod(self, module);
        }
    }

    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        use syn::spanned::Spanned;
        self.function(&function.sig.ident, function.span());
        syn::visit::visit_item_fn(self, function);
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        use syn::spanned::Spanned;
        self.function(&function.sig.ident, function.span());
        syn::visit::visit_impl_item_fn(self, function);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&[], &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if matches!(
            segments.first().map(String::as_str),
            Some("crate" | "super" | "self")
        ) {
            self.paths.push(segments);
        }
        syn::visit::visit_path(self, path);
    }
}

/// The module a path names, given the module it is written in: the longest
/// prefix that is a module of the crate.
fn target(
    from: &ModulePath,
    path: &[String],
    modules: &BTreeSet<ModulePath>,
) -> Option<ModulePath> {
    let mut base: ModulePath = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") | Some("self") => from.clone(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        base.pop();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    let mut found = base.clone();
    for segment in rest {
        base.push(segment.clone());
        if modules.contains(&base) {
            found = base.clone();
        } else {
            break;
        }
    }
    Some(found)
}

fn read_all() -> (Vec<Source>, Vec<Reader>) {
    let sources = sources();
    let readers = sources
        .iter()
        .map(|source| {
            let mut reader = Reader::default();
            reader.visit_file(&source.file);
            reader
        })
        .collect();
    (sources, readers)
}

#[test]
fn no_two_modules_use_each_other() {
    let (sources, readers) = read_all();
    let modules: BTreeSet<ModulePath> = sources.iter().map(|s| s.module.clone()).collect();
    // For every pair of siblings (at any depth) whether anything inside the
    // first names anything inside the second.
    let mut uses: BTreeMap<(ModulePath, ModulePath), String> = BTreeMap::new();
    for (source, reader) in sources.iter().zip(&readers) {
        for path in &reader.paths {
            let Some(to) = target(&source.module, path, &modules) else {
                continue;
            };
            let common = source
                .module
                .iter()
                .zip(&to)
                .take_while(|(a, b)| a == b)
                .count();
            if common == source.module.len() || common == to.len() {
                continue; // an ancestor and its descendant
            }
            let from_sibling = source.module[..=common].to_vec();
            let to_sibling = to[..=common].to_vec();
            uses.entry((from_sibling, to_sibling))
                .or_insert_with(|| format!("{} names {}", source.path.display(), path.join("::")));
        }
    }
    let circles: Vec<String> = uses
        .iter()
        .filter(|((a, b), _)| a < b && uses.contains_key(&(b.clone(), a.clone())))
        .map(|((a, b), why)| {
            format!(
                "{} <-> {}: {why}; {}",
                a.join("::"),
                b.join("::"),
                uses[&(b.clone(), a.clone())]
            )
        })
        .collect();
    assert!(
        circles.is_empty(),
        "modules that use each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_function_is_long_without_a_reason() {
    let (sources, readers) = read_all();
    let mut problems = Vec::new();
    for (source, reader) in sources.iter().zip(&readers) {
        let file = source.path.to_string_lossy().replace('\\', "/");
        for (name, lines) in &reader.functions {
            let excused = LONG_BUT_WHOLE
                .iter()
                .any(|(f, n, _)| *f == file && n == name);
            if *lines > MAX_LINES || (*lines > REVIEW_LINES && !excused) {
                problems.push(format!("src/{file}: fn {name} has {lines} lines"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "long functions:\n{}",
        problems.join("\n")
    );
}

#[test]
fn top_level_modules_import_only_what_the_readme_allows() {
    let (sources, readers) = read_all();
    let modules: BTreeSet<ModulePath> = sources.iter().map(|s| s.module.clone()).collect();
    let mut problems = BTreeSet::new();
    for (source, reader) in sources.iter().zip(&readers) {
        let Some(from) = source.module.first() else {
            continue; // lib.rs declares the modules
        };
        let allowed = MAY_IMPORT
            .iter()
            .find(|(name, _)| name == from)
            .map(|(_, allowed)| *allowed);
        let Some(allowed) = allowed else {
            problems.insert(format!("{from} is not in MAY_IMPORT"));
            continue;
        };
        for path in &reader.paths {
            let Some(to) = target(&source.module, path, &modules) else {
                continue;
            };
            match to.first() {
                Some(to) if to != from && !allowed.contains(&to.as_str()) => {
                    problems.insert(format!(
                        "src/{} names {} ({from} may not import {to})",
                        source.path.display(),
                        path.join("::")
                    ));
                }
                _ => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "imports against the layering:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}
