//! The HTML comparison report (`designate compare --html`) as a browser shows it: a self-contained,
//! escaped, deterministic file whose charts and table headless Chromium renders with the portfolio's numbers,
//! and whose table sorts when a header is clicked.
//!
//! Needs Debian's `chromium` at /usr/bin/chromium. When it is missing the tests install it themselves (as root,
//! with apt-get, once per run), so that the README's test command passes on a fresh machine; where that cannot be
//! done the browser tests fail with what to run, they do not skip.

mod common;

use common::{designate, workspace};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";
const BASE: &str = "rules/2023-07";
const CANDIDATE: &str = "rules/2024-06";
const PORTFOLIO: &str = "snapshots/partners";

/// A fresh folder for one test's files, kept after the run (under target/tmp) so they can be looked at.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the report of `portfolio` (with any extra compare options) to `dir/file` and returns its path.
fn report(dir: &Path, file: &str, portfolio: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(file);
    let path_arg = path.to_str().unwrap();
    let mut args = vec!["compare", "--base", BASE, "--candidate", CANDIDATE, "--html", path_arg];
    args.extend_from_slice(extra);
    args.push(portfolio);
    let out = designate(&args);
    assert!(out.status.success(), "compare failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(path.is_file(), "no report at {}", path.display());
    path
}

/// The comparison as JSON, the numbers the report must show.
fn comparison_json(portfolio: &str, extra: &[&str]) -> Value {
    let mut args = vec!["compare", "--base", BASE, "--candidate", CANDIDATE, "--format", "json"];
    args.extend_from_slice(extra);
    args.push(portfolio);
    let out = designate(&args);
    assert!(out.status.success(), "compare failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// Installs Debian's chromium when /usr/bin/chromium is missing (issue 15: the README's test command needs nothing
/// installed beforehand; `.ci/run` does the same), once for all the tests of this run, which wait for it. Fails
/// with what to run when it cannot (not root, no apt-get, no network to the package mirror).
fn install_chromium() {
    static INSTALLED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let outcome = INSTALLED.get_or_init(|| {
        if Path::new(CHROMIUM).is_file() {
            return Ok(());
        }
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .output()
                .map_err(|e| format!("apt-get {}: {e}", args.join(" ")))
                .and_then(|out| match out.status.success() {
                    true => Ok(()),
                    false => {
                        Err(format!("apt-get {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
                    }
                })
        };
        eprintln!("html: {CHROMIUM} is missing; installing Debian's chromium with apt-get");
        apt(&["install", "-y", "-qq", "chromium"])
            .or_else(|_| apt(&["update", "-qq"]).and_then(|()| apt(&["install", "-y", "-qq", "chromium"])))?;
        match Path::new(CHROMIUM).is_file() {
            true => Ok(()),
            false => Err(format!("apt-get installed chromium, but there is no {CHROMIUM}")),
        }
    });
    if let Err(why) = outcome {
        panic!(
            "{CHROMIUM} is missing and could not be installed ({why}): the HTML report tests render the report in \
             headless Chromium. Install Debian's chromium package (as root: apt-get update && apt-get install -y \
             chromium), as .ci/run does."
        );
    }
}

/// Runs headless Chromium on a local file with a fresh profile; `extra` adds e.g. `--dump-dom`. Returns stdout.
fn chromium(dir: &Path, page: &Path, extra: &[&str]) -> String {
    install_chromium();
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let profile = dir.join(format!("chromium-profile-{n}"));
    let stdout_path = dir.join(format!("chromium-{n}.out"));
    let stderr_path = dir.join(format!("chromium-{n}.err"));
    let page = std::fs::canonicalize(page).unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--virtual-time-budget=2000",
        ])
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}): {stderr}");
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    let _ = std::fs::remove_file(&stdout_path);
    let _ = std::fs::remove_file(&stderr_path);
    stdout
}

/// The page as Chromium leaves it after running its scripts.
fn dump_dom(dir: &Path, page: &Path) -> String {
    let dom = chromium(dir, page, &["--dump-dom"]);
    assert!(dom.contains("</html>"), "no DOM dumped: {dom}");
    dom
}

/// The part of `html` from the first `start` to the next `end` (inclusive).
fn section<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start} in the page"));
    let len = html[from..].find(end).unwrap_or_else(|| panic!("no {end} after {start}")) + end.len();
    &html[from..from + len]
}

/// The attributes of every `<name ...>` start tag in `html`, in order, with entities decoded.
fn tags(html: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let bytes = html.as_bytes();
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find(&open) {
        let mut p = at + i + open.len();
        at = p;
        if !matches!(bytes.get(p), Some(b' ' | b'\n' | b'\t' | b'>' | b'/')) {
            continue;
        }
        let mut attrs = BTreeMap::new();
        loop {
            while matches!(bytes.get(p), Some(b' ' | b'\n' | b'\t' | b'\r')) {
                p += 1;
            }
            match bytes.get(p) {
                None | Some(b'>') => break,
                Some(b'/') => {
                    p += 1;
                    continue;
                }
                _ => {}
            }
            let start = p;
            while !matches!(bytes.get(p), None | Some(b' ' | b'\n' | b'\t' | b'\r' | b'=' | b'>' | b'/')) {
                p += 1;
            }
            let key = html[start..p].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(p) == Some(&b'=') {
                p += 1;
                match bytes.get(p) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let end = html[p + 1..].find(q as char).expect("a closed attribute value") + p + 1;
                        value = unescape(&html[p + 1..end]);
                        p = end + 1;
                    }
                    _ => {
                        let start = p;
                        while !matches!(bytes.get(p), None | Some(b' ' | b'\n' | b'\t' | b'>')) {
                            p += 1;
                        }
                        value = unescape(&html[start..p]);
                    }
                }
            }
            attrs.insert(key, value);
        }
        at = p;
        found.push(attrs);
    }
    found
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The (partner, designation) rows the table must list: those whose points or attainment moved, in order.
fn changed_pairs(cmp: &Value) -> Vec<(String, String, f64)> {
    let mut pairs = Vec::new();
    for p in cmp["partners"].as_array().unwrap() {
        for d in p["designations"].as_array().unwrap() {
            let delta = d["delta"].as_f64().unwrap();
            if delta != 0.0 || d["qualified_before"] != d["qualified_after"] {
                pairs.push((p["partner"].as_str().unwrap().to_owned(), d["id"].as_str().unwrap().to_owned(), delta));
            }
        }
    }
    pairs
}

fn count(attrs: &BTreeMap<String, String>) -> usize {
    attrs["data-count"].parse().expect("a numeric data-count")
}

/// The qualification bars, the histogram with its threshold line and the table rows, checked against `cmp`.
fn check_report(html: &str, cmp: &Value) {
    // Chart 1: two bars per designation with the summary's counts, and the gains and losses.
    let chart = section(html, "<svg id=\"qualification-chart\"", "</svg>");
    let bars: Vec<_> =
        tags(chart, "rect").into_iter().filter(|t| t.get("class").is_some_and(|c| c.contains("bar"))).collect();
    let designations = cmp["summary"]["designations"].as_array().unwrap();
    assert_eq!(designations.len(), 6, "six designations in the summary");
    assert_eq!(bars.len(), 2 * designations.len(), "one bar per designation before and after");
    for d in designations {
        let id = d["id"].as_str().unwrap();
        for (when, key) in [("before", "attained_before"), ("after", "attained_after")] {
            let bar = bars
                .iter()
                .find(|b| b["data-designation"] == id && b["data-when"] == when)
                .unwrap_or_else(|| panic!("no {when} bar for {id}"));
            let expected = d[key].as_u64().unwrap() as usize;
            assert_eq!(count(bar), expected, "{id} {when}");
            let height: f64 = bar["height"].parse().unwrap();
            assert_eq!(height > 0.0, expected > 0, "{id} {when}: a bar is drawn exactly when its count is not 0");
        }
        let gl = tags(chart, "text")
            .into_iter()
            .find(|t| t.get("class").map(String::as_str) == Some("gained-lost") && t["data-designation"] == id)
            .unwrap_or_else(|| panic!("no gained/lost label for {id}"));
        assert_eq!(gl["data-gained"], d["gained"].to_string(), "{id} gained");
        assert_eq!(gl["data-lost"], d["lost"].to_string(), "{id} lost");
    }
    for label in ["business-applications", "security", "gained", "lost"] {
        assert!(chart.contains(label), "the qualification chart shows {label}");
    }

    // Chart 2: a histogram of every listed pair's total before and after, and the 70-point line.
    let chart = section(html, "<svg id=\"points-chart\"", "</svg>");
    let line = tags(chart, "line").into_iter().find(|t| t.get("id").map(String::as_str) == Some("threshold"));
    let line = line.expect("the points chart has the 70-point threshold line");
    assert_eq!(line["x1"], line["x2"], "the threshold line is vertical");
    assert!(chart.contains("70 points: attainment threshold"), "the threshold line is labelled");
    let bins: Vec<_> =
        tags(chart, "rect").into_iter().filter(|t| t.get("class").is_some_and(|c| c.contains("bin"))).collect();
    assert_eq!(bins.len(), 20, "ten bins before and after");
    let mut expected: BTreeMap<(String, usize), usize> = BTreeMap::new();
    let mut pairs = 0;
    for p in cmp["partners"].as_array().unwrap() {
        for d in p["designations"].as_array().unwrap() {
            pairs += 1;
            for (when, key) in [("before", "points_before"), ("after", "points_after")] {
                let bin = ((d[key].as_f64().unwrap() / 10.0).floor() as i64).clamp(0, 9) as usize * 10;
                *expected.entry((when.to_owned(), bin)).or_default() += 1;
            }
        }
    }
    for b in &bins {
        let key = (b["data-when"].clone(), b["data-from"].parse::<usize>().unwrap());
        assert_eq!(count(b), expected.get(&key).copied().unwrap_or(0), "histogram bin {key:?}");
    }
    let listed: usize = bins.iter().filter(|b| b["data-when"] == "before").map(count).sum();
    assert_eq!(listed, pairs, "every listed (partner, designation) pair is in the histogram");

    // Chart 3: one table row per changed pair, in the comparison's order.
    let table = section(html, "<table id=\"changes\"", "</table>");
    let body = section(table, "<tbody", "</tbody>");
    let rows: Vec<(String, String)> = tags(body, "tr")
        .into_iter()
        .filter(|t| t.contains_key("data-partner"))
        .map(|t| (t["data-partner"].clone(), t["data-designation"].clone()))
        .collect();
    let want: Vec<(String, String)> = changed_pairs(cmp).into_iter().map(|(p, d, _)| (p, d)).collect();
    assert!(!want.is_empty(), "the shipped portfolio has changed results");
    assert_eq!(rows, want, "the table lists the changed (partner, designation) pairs");
    let keys: Vec<String> = tags(table, "th").into_iter().filter_map(|t| t.get("data-key").cloned()).collect();
    assert_eq!(
        keys,
        ["partner", "designation", "status", "path", "points_before", "points_after", "delta", "attribution"]
    );
}

#[test]
fn the_report_is_self_contained_deterministic_and_complete() {
    let dir = scratch("static");
    let first = std::fs::read(report(&dir, "one.html", PORTFOLIO, &[])).unwrap();
    let second = std::fs::read(report(&dir, "two.html", PORTFOLIO, &[])).unwrap();
    assert!(first == second, "the same comparison gives the same bytes");
    let html = String::from_utf8(first).expect("UTF-8");
    assert!(html.starts_with("<!doctype html>"), "an HTML5 document");
    assert!(html.contains("<meta charset=\"utf-8\">"));
    // Nothing is fetched: no URLs at all (the inline SVG needs no xmlns), no external resources.
    assert!(!html.contains("http"), "the report references no URL");
    for external in ["<link", " src=", "url(", "@import", "@font-face", "<iframe", "<img"] {
        assert!(!html.contains(external), "the report loads nothing external ({external})");
    }
    let cmp = comparison_json(PORTFOLIO, &[]);
    for side in ["base", "candidate"] {
        for key in ["version", "digest"] {
            let v = cmp[side][key].as_str().unwrap();
            assert!(html.contains(v), "the header shows the {side} {key} {v}");
        }
    }
    assert!(html.contains("id=\"overrides\""), "the header lists the overrides");
    for bucket in cmp["summary"]["point_changes"].as_array().unwrap() {
        let label = bucket["label"].as_str().unwrap();
        assert!(
            html.contains(&format!("data-bucket=\"{label}\" data-count=\"{}\"", bucket["count"])),
            "bucket {label}"
        );
    }
    for (stat, key) in [("partners", "partners"), ("changed", "changed"), ("failed", "failed")] {
        assert!(html.contains(&format!("id=\"stat-{stat}\" data-value=\"{}\"", cmp["summary"][key])), "{stat} count");
    }
    check_report(&html, &cmp);
}

#[test]
fn only_changed_reports_say_the_histogram_shows_the_listed_partners() {
    let dir = scratch("only-changed");
    let html = std::fs::read_to_string(report(&dir, "report.html", PORTFOLIO, &["--only-changed"])).unwrap();
    let cmp = comparison_json(PORTFOLIO, &["--only-changed"]);
    let listed = cmp["partners"].as_array().unwrap().len();
    assert_eq!(listed as u64, cmp["summary"]["changed"].as_u64().unwrap());
    let caption = section(&html, "<figcaption id=\"points-caption\"", "</figcaption>");
    assert!(caption.contains(&format!("data-partners=\"{listed}\"")), "{caption}");
    assert!(caption.contains("--only-changed"), "the caption says partners were filtered: {caption}");
    check_report(&html, &cmp);
}

#[test]
fn partner_ids_and_overrides_are_escaped() {
    let dir = scratch("escape");
    let portfolio = dir.join("portfolio");
    std::fs::create_dir_all(&portfolio).unwrap();
    let source = std::fs::read_to_string(workspace().join(PORTFOLIO).join("contoso-smb.yaml")).unwrap();
    let hostile = r#"<script>alert("x")</script>&'"#;
    let yaml = source.replacen("  id: contoso-smb\n", &format!("  id: '{}'\n", hostile.replace('\'', "''")), 1);
    assert_ne!(yaml, source, "the fixture's partner id line moved");
    std::fs::write(portfolio.join("hostile.yaml"), yaml).unwrap();
    let portfolio_arg = portfolio.to_str().unwrap();
    let html = std::fs::read_to_string(report(&dir, "report.html", portfolio_arg, &[])).unwrap();
    assert!(!html.contains("<script>alert"), "a partner id is not markup");
    assert!(
        html.contains("data-partner=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;\""),
        "the partner id is escaped in attributes"
    );
    assert!(html.contains(">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>"), "and in text");
    assert_eq!(html.matches("<script>").count(), 1, "only the report's own script");
}

/// issue 11: a candidate edited with `--set` is not the version it names: the report labels it with its
/// overrides, and when the change moves the attainment bar each series gets its own threshold line.
#[test]
fn set_reports_label_the_candidate_and_draw_each_threshold() {
    let dir = scratch("set");
    let path = dir.join("report.html");
    let path_arg = path.to_str().unwrap();
    let out = designate(&[
        "compare",
        "--base",
        CANDIDATE,
        "--candidate",
        CANDIDATE,
        "--set",
        "qualification.min_total=65",
        "--html",
        path_arg,
        PORTFOLIO,
    ]);
    assert!(out.status.success(), "compare failed: {}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&path).unwrap();
    let h1 = section(&html, "<h1>", "</h1>");
    assert!(h1.contains("<span class=\"after-text\">2024-06 + --set qualification.min_total=65</span>"), "{h1}");
    let chart = section(&html, "<svg id=\"points-chart\"", "</svg>");
    assert!(chart.contains("after (2024-06 + --set qualification.min_total=65)"), "the legend names the edit");
    let lines: BTreeMap<String, BTreeMap<String, String>> =
        tags(chart, "line").into_iter().filter_map(|t| t.get("id").cloned().map(|id| (id, t))).collect();
    let (after, before) = (&lines["threshold"], &lines["threshold-before"]);
    assert_eq!(after["data-points"], "65");
    assert_eq!(before["data-points"], "70");
    let x = |l: &BTreeMap<String, String>| l["x1"].parse::<f64>().unwrap();
    assert!(x(after) < x(before), "the lower bar is drawn further left");
    assert!(chart.contains("65 points: attainment threshold after"), "{chart}");
    assert!(chart.contains("70 points: attainment threshold before"), "{chart}");

    // Without a moved bar there is one line, as before.
    let plain = std::fs::read_to_string(report(&dir, "plain.html", PORTFOLIO, &[])).unwrap();
    let chart = section(&plain, "<svg id=\"points-chart\"", "</svg>");
    assert!(!chart.contains("threshold-before"), "{chart}");
}

#[test]
fn chromium_renders_the_charts_and_the_table() {
    let dir = scratch("render");
    let page = report(&dir, "report.html", PORTFOLIO, &[]);
    let dom = dump_dom(&dir, &page);
    let cmp = comparison_json(PORTFOLIO, &[]);
    check_report(&dom, &cmp);
    // The sorting script ran without error: it marks every sortable header focusable.
    let heads = tags(section(&dom, "<table id=\"changes\"", "</thead>"), "th");
    assert!(
        heads.iter().all(|h| h.get("tabindex").map(String::as_str) == Some("0")),
        "the table script ran: {heads:?}"
    );
}

#[test]
fn clicking_the_delta_header_sorts_the_rows() {
    let dir = scratch("sort");
    let html = std::fs::read_to_string(report(&dir, "report.html", PORTFOLIO, &[])).unwrap();
    // Click "delta" twice and "partner" once, recording each order, as a user would.
    let probe = r#"<script>
(function () {
  function column(key) {
    var col = document.querySelector('#changes th[data-key=' + key + ']').cellIndex;
    return Array.prototype.map.call(document.querySelectorAll('#changes tbody tr'), function (r) {
      var c = r.cells[col];
      return c.hasAttribute('data-value') ? c.getAttribute('data-value') : c.textContent;
    }).join('|');
  }
  var delta = document.querySelector('#changes th[data-key=delta]');
  document.body.setAttribute('data-unsorted', column('delta'));
  delta.click();
  document.body.setAttribute('data-ascending', column('delta'));
  document.body.setAttribute('data-first-delta', document.querySelector('#changes tbody tr').getAttribute('data-partner') + ' ' + column('delta').split('|')[0]);
  delta.click();
  document.body.setAttribute('data-descending', column('delta'));
  document.body.setAttribute('data-delta-sort', delta.getAttribute('aria-sort'));
  document.querySelector('#changes th[data-key=partner]').click();
  document.body.setAttribute('data-partners', column('partner'));
})();
</script>
</body>"#;
    let at = html.rfind("</body>").expect("a closing body tag");
    let probed = format!("{}{probe}{}", &html[..at], &html[at + "</body>".len()..]);
    let page = dir.join("sorted.html");
    std::fs::write(&page, probed).unwrap();
    let dom = dump_dom(&dir, &page);
    let body = tags(&dom, "body").into_iter().next().expect("a body");
    let numbers = |key: &str| -> Vec<f64> {
        let v = body.get(key).unwrap_or_else(|| panic!("the probe did not record {key}: the click threw?"));
        v.split('|').map(|x| x.parse::<f64>().unwrap_or_else(|_| panic!("{key}: {x:?} is not a number"))).collect()
    };
    let unsorted = numbers("data-unsorted");
    let want: Vec<f64> = changed_pairs(&comparison_json(PORTFOLIO, &[])).into_iter().map(|(_, _, d)| d).collect();
    assert_eq!(unsorted, want, "before any click the rows keep the comparison's order");
    let mut ascending = want.clone();
    ascending.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(numbers("data-ascending"), ascending, "one click sorts delta ascending, numerically");
    let mut descending = ascending.clone();
    descending.reverse();
    assert_eq!(numbers("data-descending"), descending, "a second click reverses");
    assert_eq!(body["data-delta-sort"], "descending");
    let first: Vec<&str> = body["data-first-delta"].split(' ').collect();
    assert_eq!(first[1].parse::<f64>().unwrap(), ascending[0], "the first row holds the smallest delta");
    let partners: Vec<&str> = body["data-partners"].split('|').collect();
    let mut sorted = partners.clone();
    sorted.sort_by_key(|p| p.to_lowercase());
    assert_eq!(partners, sorted, "the partner column sorts as text");
    // The DOM itself was reordered: its rows are now in partner order.
    let rows: Vec<String> = tags(section(&dom, "<table id=\"changes\"", "</table>"), "tr")
        .into_iter()
        .filter_map(|t| t.get("data-partner").cloned())
        .collect();
    assert_eq!(rows, partners);
}

#[test]
fn screenshot_of_the_report() {
    let dir = scratch("screenshot");
    let page = report(&dir, "report.html", PORTFOLIO, &[]);
    let png = dir.join("report.png");
    let shot = format!("--screenshot={}", png.display());
    chromium(&dir, &page, &[&shot, "--window-size=1280,2000"]);
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(bytes.len() > 10_000, "the screenshot has content ({} bytes)", bytes.len());
    eprintln!("screenshot: {}", png.display());
}
