//! The HTML comparison report: one self-contained file (no network) with charts and a sortable table.
//!
//! Everything is inline: CSS, the charts as SVG drawn here (so they show without JavaScript) and a few
//! lines of vanilla JS that only make the table of changed results sortable. All text from the data is
//! escaped, and the output depends on nothing but the comparison, so the same input gives the same bytes.
//! Elements carry stable ids, classes and `data-*` attributes (`#qualification-chart rect.bar`,
//! `#points-chart #threshold`, `#changes tbody tr[data-partner]`) for tests and scripts to query.

use std::fmt::Write;

use designate_engine::compare::{Comparison, DesignationChange, PartnerChange};
use designate_engine::explain::signed;

use crate::commands::compare::candidate_label;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Renders the report.
pub fn render(cmp: &Comparison) -> String {
    let (base, cand) = (esc(&cmp.base.version), esc(&candidate_label(cmp)));
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>designate compare: {base} → {cand}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    );
    header(&mut out, cmp);
    out.push_str("<main>\n");
    summary(&mut out, cmp);
    qualification_section(&mut out, cmp);
    points_section(&mut out, cmp);
    buckets_section(&mut out, cmp);
    failures_section(&mut out, cmp);
    changes_section(&mut out, cmp);
    out.push_str("</main>\n");
    let _ = write!(out, "<script>{JS}</script>\n</body>\n</html>\n");
    out
}

/// Versions, digests and overrides.
fn header(out: &mut String, cmp: &Comparison) {
    let (base, version, cand) = (esc(&cmp.base.version), esc(&cmp.candidate.version), esc(&candidate_label(cmp)));
    let _ = write!(
        out,
        "<header id=\"header\">\n<h1>Rule comparison: <span class=\"before-text\">{base}</span> → \
         <span class=\"after-text\">{cand}</span></h1>\n<dl class=\"rules\">\n\
         <dt>base</dt><dd id=\"base\" data-version=\"{base}\"><strong>{base}</strong> <code class=\"digest\">{}</code></dd>\n\
         <dt>candidate</dt><dd id=\"candidate\" data-version=\"{version}\"><strong>{cand}</strong> <code class=\"digest\">{}</code></dd>\n\
         <dt>overrides</dt><dd id=\"overrides\">",
        esc(&cmp.base.digest),
        esc(&cmp.candidate.digest),
    );
    if cmp.overrides.is_empty() {
        out.push_str("<span class=\"none\">none</span>");
    } else {
        out.push_str("<ul>");
        for o in &cmp.overrides {
            let _ = write!(out, "<li><code>{}</code></li>", esc(o));
        }
        out.push_str("</ul>");
    }
    out.push_str("</dd>\n</dl>\n</header>\n");
}

/// The headline counts.
fn summary(out: &mut String, cmp: &Comparison) {
    let s = &cmp.summary;
    let gained: usize = s.designations.iter().map(|d| d.gained).sum();
    let lost: usize = s.designations.iter().map(|d| d.lost).sum();
    let rows = changed_rows(cmp).len();
    out.push_str("<section id=\"summary\" class=\"stats\">\n");
    let stats: [(&str, usize, &str); 6] = [
        ("partners", s.partners, "partners scored"),
        ("changed", s.changed, "partners whose result changed"),
        ("failed", s.failed, "partners that could not be scored"),
        ("gained", gained, "designations gained"),
        ("lost", lost, "designations lost"),
        ("rows", rows, "changed (partner, designation) results listed"),
    ];
    for (id, value, label) in stats {
        let _ = writeln!(
            out,
            "<div class=\"stat stat-{id}\" id=\"stat-{id}\" data-value=\"{value}\"><span class=\"value\">{value}</span> \
             <span class=\"label\">{label}</span></div>"
        );
    }
    out.push_str("</section>\n");
}

/// Chart 1: designations attained before and after, grouped per designation, with gains and losses.
fn qualification_section(out: &mut String, cmp: &Comparison) {
    let ds = &cmp.summary.designations;
    let (w, h) = (960.0, 318.0);
    let (ml, mr, mt, mb) = (52.0, 16.0, 36.0, 56.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let max = ds.iter().map(|d| d.attained_before.max(d.attained_after)).max().unwrap_or(0);
    let (top, step) = nice_scale(max);
    let y = |v: usize| mt + ph - ph * v as f64 / top as f64;

    out.push_str("<section id=\"qualification\">\n<h2>Designations attained, before and after</h2>\n<figure>\n");
    let _ = writeln!(
        out,
        "<svg id=\"qualification-chart\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" \
         role=\"img\" aria-label=\"Partners attaining each designation under the base and the candidate rules\">\n"
    );
    y_axis(out, ml, w - mr, mt, ph, top, step, "partners attaining");
    legend(out, (w - mr - legend_width(cmp)).max(ml), 16.0, cmp);
    let n = ds.len().max(1) as f64;
    let gw = pw / n;
    let bw = (gw * 0.3).min(52.0);
    for (i, d) in ds.iter().enumerate() {
        let id = esc(&d.id);
        let cx = ml + gw * (i as f64 + 0.5);
        let _ = writeln!(out, "<g class=\"group\" data-designation=\"{id}\">");
        for (when, count, x) in [("before", d.attained_before, cx - bw - 2.0), ("after", d.attained_after, cx + 2.0)] {
            let (top_y, base_y) = (y(count), y(0));
            let _ = write!(
                out,
                "<rect class=\"bar {when}\" data-designation=\"{id}\" data-when=\"{when}\" data-count=\"{count}\" \
                 x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{id} {when}: {count} attaining</title></rect>\n\
                 <text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text>",
                f(x),
                f(top_y),
                f(bw),
                f(base_y - top_y),
                f(x + bw / 2.0),
                f(top_y - 5.0),
            );
        }
        let _ = write!(
            out,
            "<text class=\"category\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{id}</text>\n\
             <text class=\"gained-lost\" data-designation=\"{id}\" data-gained=\"{g}\" data-lost=\"{l}\" x=\"{}\" y=\"{}\" \
             text-anchor=\"middle\"><tspan class=\"gained\">{g} gained</tspan> · <tspan class=\"lost\">{l} lost</tspan></text>\n\
             </g>\n",
            f(cx),
            f(mt + ph + 20.0),
            f(cx),
            f(mt + ph + 40.0),
            g = d.gained,
            l = d.lost,
        );
    }
    if ds.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no designations</text>",
            f(ml + pw / 2.0),
            f(mt + ph / 2.0)
        );
    }
    out.push_str("</svg>\n");
    let _ = write!(
        out,
        "<figcaption>How many of the {} scored partners attain each designation under {} (before) and {} (after); \
         below each designation, how many gained and lost it.</figcaption>\n</figure>\n",
        cmp.summary.partners,
        esc(&cmp.base.version),
        esc(&candidate_label(cmp)),
    );
    // The numbers behind the chart, with the paths of gains and losses.
    out.push_str("<table id=\"designations\" class=\"data\">\n<thead><tr><th>designation</th><th class=\"num\">attained before</th>\
                  <th class=\"num\">attained after</th><th class=\"num\">gained</th><th class=\"num\">lost</th>\
                  <th class=\"num\">mean Δ points</th><th>gains and losses by path</th></tr></thead>\n<tbody>\n");
    for d in ds {
        let paths: Vec<String> =
            d.by_path.iter().map(|p| format!("{}: +{} −{}", esc(&p.path), p.gained, p.lost)).collect();
        let _ = writeln!(
            out,
            "<tr data-designation=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num gained\">{}</td>\
             <td class=\"num lost\">{}</td><td class=\"num {}\">{}</td><td>{}</td></tr>",
            esc(&d.id),
            esc(&d.id),
            d.attained_before,
            d.attained_after,
            d.gained,
            d.lost,
            sign_class(d.mean_delta),
            signed(d.mean_delta),
            if paths.is_empty() { "—".to_owned() } else { paths.join("; ") },
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Chart 2: a histogram of designation totals before and after, with the attainment threshold.
fn points_section(out: &mut String, cmp: &Comparison) {
    const BINS: usize = 10;
    let mut before = [0usize; BINS];
    let mut after = [0usize; BINS];
    let mut pairs = 0usize;
    for p in &cmp.partners {
        for d in &p.designations {
            before[bin_of(d.points_before, cmp.max_points, BINS)] += 1;
            after[bin_of(d.points_after, cmp.max_points, BINS)] += 1;
            pairs += 1;
        }
    }
    let (w, h) = (960.0, 380.0);
    let (ml, mr, mt, mb) = (60.0, 16.0, 48.0, 58.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let max = before.iter().chain(after.iter()).copied().max().unwrap_or(0);
    let (top, step) = nice_scale(max);
    let scale = cmp.max_points.to_f64().unwrap_or(100.0).max(1.0);
    let threshold = cmp.min_total.normalize();
    let base_threshold = cmp.base_min_total.normalize();
    let x = |v: f64| ml + pw * v / scale;
    let y = |v: usize| mt + ph - ph * v as f64 / top as f64;

    out.push_str("<section id=\"points\">\n<h2>Designation totals, before and after</h2>\n<figure>\n");
    let _ = writeln!(
        out,
        "<svg id=\"points-chart\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"Histogram of designation totals under the base and the candidate rules\">\n"
    );
    let tx = x(cmp.min_total.to_f64().unwrap_or(0.0));
    let _ = writeln!(
        out,
        "<rect class=\"attain-zone\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        f(tx),
        f(mt),
        f(x(scale) - tx),
        f(ph)
    );
    y_axis(out, ml, w - mr, mt, ph, top, step, "(partner, designation) pairs");
    legend(out, ml + 4.0, 16.0, cmp);
    let bin_w = pw / BINS as f64;
    for i in 0..BINS {
        let lo = i as f64 * scale / BINS as f64;
        let hi = (i + 1) as f64 * scale / BINS as f64;
        let bx = x(lo);
        for (when, count, off) in [("before", before[i], 0.1), ("after", after[i], 0.52)] {
            let (top_y, base_y) = (y(count), y(0));
            let bar_x = bx + bin_w * off;
            let bar_w = bin_w * 0.38;
            let range = if i + 1 == BINS { format!("{lo}–{hi}") } else { format!("{lo}–<{hi}") };
            let _ = writeln!(
                out,
                "<rect class=\"bin {when}\" data-when=\"{when}\" data-from=\"{lo}\" data-to=\"{hi}\" data-count=\"{count}\" \
                 x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{range} points, {when}: {count}</title></rect>",
                f(bar_x),
                f(top_y),
                f(bar_w),
                f(base_y - top_y),
            );
            if count > 0 {
                let _ = writeln!(
                    out,
                    "<text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text>",
                    f(bar_x + bar_w / 2.0),
                    f(top_y - 5.0)
                );
            }
        }
    }
    for i in 0..=BINS {
        let v = i as f64 * scale / BINS as f64;
        let _ = writeln!(
            out,
            "<line class=\"tick\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\
             <text class=\"tick-label\" x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{v}</text>",
            f(x(v)),
            f(mt + ph),
            f(mt + ph + 5.0),
            f(mt + ph + 19.0),
        );
    }
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">designation total (points, 10-point bins)</text>",
        f(ml + pw / 2.0),
        f(h - 12.0)
    );
    // One line when both rule sets share the bar; when a change moves it, each series gets its own line.
    let moved = base_threshold != threshold;
    let (after_label, before_label) = if moved {
        ("attainment threshold after", "attainment threshold before")
    } else {
        ("attainment threshold", "")
    };
    let _ = write!(
        out,
        "<line id=\"threshold\" class=\"threshold\" data-points=\"{threshold}\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n\
         <text id=\"threshold-label\" class=\"threshold-label\" x=\"{3}\" y=\"{4}\">{threshold} points: {after_label}</text>",
        f(tx),
        f(mt - 14.0),
        f(mt + ph),
        f(tx + 6.0),
        f(mt - 4.0),
    );
    if moved {
        let bx = x(cmp.base_min_total.to_f64().unwrap_or(0.0));
        let _ = write!(
            out,
            "\n<line id=\"threshold-before\" class=\"threshold before-threshold\" data-points=\"{base_threshold}\" \
             x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n\
             <text id=\"threshold-before-label\" class=\"threshold-label before-threshold\" x=\"{3}\" y=\"{4}\">\
             {base_threshold} points: {before_label}</text>",
            f(bx),
            f(mt - 28.0),
            f(mt + ph),
            f(bx + 6.0),
            f(mt - 18.0),
        );
    }
    out.push_str("</svg>\n");
    let listed = cmp.partners.len();
    let _ = write!(
        out,
        "<figcaption id=\"points-caption\" data-partners=\"{listed}\" data-pairs=\"{pairs}\">Designation totals of the \
         {listed} partners listed in this report ({pairs} (partner, designation) pairs), in 10-point bins \
         ({scale} falls in the last). "
    );
    if base_threshold == threshold {
        let _ = write!(out, "A designation is attained from {threshold} points, when its other requirements are met.");
    } else {
        let _ = write!(
            out,
            "A designation is attained from {base_threshold} points before and from {threshold} points after, \
             when its other requirements are met."
        );
    }
    if listed < cmp.summary.partners {
        let _ = write!(
            out,
            " Only partners whose result changed are listed (<code>--only-changed</code>): the {} other scored partners \
             are not in this chart.",
            cmp.summary.partners - listed
        );
    }
    out.push_str("</figcaption>\n</figure>\n</section>\n");
}

/// The point-change buckets as a bar chart.
fn buckets_section(out: &mut String, cmp: &Comparison) {
    let bs = &cmp.summary.point_changes;
    let (w, h) = (960.0, 250.0);
    let (ml, mr, mt, mb) = (60.0, 16.0, 24.0, 48.0);
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let max = bs.iter().map(|b| b.count).max().unwrap_or(0);
    let (top, step) = nice_scale(max);
    let y = |v: usize| mt + ph - ph * v as f64 / top as f64;
    out.push_str("<section id=\"point-changes\">\n<h2>How designation totals moved</h2>\n<figure>\n");
    let _ = writeln!(
        out,
        "<svg id=\"buckets-chart\" class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"Point changes per (partner, designation), bucketed\">\n"
    );
    y_axis(out, ml, w - mr, mt, ph, top, step, "pairs");
    let n = bs.len().max(1) as f64;
    let gw = pw / n;
    let bw = (gw * 0.6).min(70.0);
    let zero = bs.iter().position(|b| b.label == "0");
    for (i, b) in bs.iter().enumerate() {
        let cx = ml + gw * (i as f64 + 0.5);
        let class = match zero {
            Some(z) if i < z => "down",
            Some(z) if i > z => "up",
            _ => "same",
        };
        let (top_y, base_y) = (y(b.count), y(0));
        let label = esc(&b.label);
        let _ = write!(
            out,
            "<rect class=\"bucket {class}\" data-bucket=\"{label}\" data-count=\"{c}\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\"><title>{label}: {c}</title></rect>\n\
             <text class=\"count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{c}</text>\n\
             <text class=\"category\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
            f(cx - bw / 2.0),
            f(top_y),
            f(bw),
            f(base_y - top_y),
            f(cx),
            f(top_y - 5.0),
            f(cx),
            f(mt + ph + 20.0),
            c = b.count,
        );
    }
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">change in designation total (points)</text>",
        f(ml + pw / 2.0),
        f(h - 8.0)
    );
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption>Every (partner, designation) pair of the {} scored partners, by how much its total moved from {} to {}.</figcaption>",
        cmp.summary.partners,
        esc(&cmp.base.version),
        esc(&candidate_label(cmp))
    );
    out.push_str("<table id=\"buckets\" class=\"data compact\">\n<thead><tr><th>points change</th>");
    for b in bs {
        let _ = write!(out, "<th class=\"num\">{}</th>", esc(&b.label));
    }
    out.push_str("</tr></thead>\n<tbody><tr><th>pairs</th>");
    for b in bs {
        let _ = write!(out, "<td class=\"num\" data-bucket=\"{}\">{}</td>", esc(&b.label), b.count);
    }
    out.push_str("</tr></tbody>\n</table>\n</section>\n");
}

/// Partners that could not be scored.
fn failures_section(out: &mut String, cmp: &Comparison) {
    if cmp.failures.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<section id=\"failures\">\n<h2>Partners that could not be scored ({})</h2>\n<table class=\"data\">\n\
         <thead><tr><th>partner file</th><th>error</th></tr></thead>\n<tbody>\n",
        cmp.failures.len()
    );
    for fl in &cmp.failures {
        let _ = writeln!(
            out,
            "<tr data-origin=\"{}\"><td>{}</td><td>{}</td></tr>",
            esc(&fl.origin),
            esc(&fl.origin),
            esc(&fl.error)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Chart 3: the sortable table of changed results.
fn changes_section(out: &mut String, cmp: &Comparison) {
    let rows = changed_rows(cmp);
    let _ = write!(
        out,
        "<section id=\"changed\">\n<h2>Changed results ({})</h2>\n<p class=\"hint\">One row per (partner, designation) \
         whose points or attainment changed. Click a column header to sort; click again to reverse.</p>\n\
         <div class=\"scroll\"><table id=\"changes\" class=\"data sortable\">\n<thead><tr>\
         <th data-key=\"partner\" data-type=\"text\">partner</th>\
         <th data-key=\"designation\" data-type=\"text\">designation</th>\
         <th data-key=\"status\" data-type=\"text\">status</th>\
         <th data-key=\"path\" data-type=\"text\">path before → after</th>\
         <th data-key=\"points_before\" data-type=\"number\" class=\"num\">points before</th>\
         <th data-key=\"points_after\" data-type=\"number\" class=\"num\">points after</th>\
         <th data-key=\"delta\" data-type=\"number\" class=\"num\">delta</th>\
         <th data-key=\"attribution\" data-type=\"text\">attribution</th>\
         </tr></thead>\n<tbody>\n",
        rows.len()
    );
    for (p, d) in &rows {
        let status = d.status.name();
        let partner = esc(&p.partner);
        let id = esc(&d.id);
        let show = |path: &Option<String>| path.as_deref().map_or_else(|| "none".to_owned(), esc);
        let path = if d.path_before == d.path_after {
            show(&d.path_after)
        } else {
            format!("{} → {}", show(&d.path_before), show(&d.path_after))
        };
        let _ = writeln!(
            out,
            "<tr data-partner=\"{partner}\" data-designation=\"{id}\" data-status=\"{status}\">\
             <td class=\"partner\">{partner}</td><td>{id}</td><td><span class=\"status {status}\">{status}</span></td>\
             <td class=\"path\">{path}</td><td class=\"num\" data-value=\"{}\">{}</td><td class=\"num\" data-value=\"{}\">{}</td>\
             <td class=\"num delta {}\" data-value=\"{}\">{}</td><td class=\"attribution\">{}{}</td></tr>",
            num(d.points_before),
            num(d.points_before),
            num(d.points_after),
            num(d.points_after),
            sign_class(d.delta),
            num(d.delta),
            signed(d.delta),
            esc(&d.attribution),
            evidence_list(d),
        );
    }
    if rows.is_empty() {
        out.push_str("<tr class=\"empty\"><td colspan=\"8\">No listed result changed.</td></tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// Under a row's attribution, per metric that moved: the evidence items that appeared and disappeared
/// (customers, people, products, each counted or not and why) as lists, or, when a side carries no evidence,
/// the metric's explanation; then why the designation is not attained, when it is not.
fn evidence_list(d: &DesignationChange) -> String {
    let mut out = String::new();
    for m in &d.metrics {
        let metric = esc(&m.id);
        if !m.appeared.is_empty() || !m.disappeared.is_empty() {
            let _ = write!(out, "<div class=\"evidence\" data-metric=\"{metric}\"><b>{metric}</b>");
            for (class, title, keys) in [("appeared", "now", &m.appeared), ("disappeared", "before", &m.disappeared)] {
                if keys.is_empty() {
                    continue;
                }
                let _ = write!(out, "<ul class=\"{class}\" title=\"{title}\">");
                for k in keys {
                    let _ = write!(out, "<li>{}</li>", esc(k));
                }
                out.push_str("</ul>");
            }
            out.push_str("</div>");
        } else if let Some(text) = &m.explanation {
            let _ =
                write!(out, "<div class=\"explanation\" data-metric=\"{metric}\"><b>{metric}</b>: {}</div>", esc(text));
        }
    }
    if let Some(s) = &d.shortfall {
        let _ = write!(out, "<div class=\"why-not\">why not: {}</div>", esc(&s.to_text()));
    }
    out
}

/// The (partner, designation) pairs whose points or attainment moved, in the comparison's order.
fn changed_rows(cmp: &Comparison) -> Vec<(&PartnerChange, &DesignationChange)> {
    cmp.partners.iter().flat_map(|p| p.designations.iter().map(move |d| (p, d))).filter(|(_, d)| d.changed()).collect()
}

/// A y axis with horizontal grid lines and its title, rotated, on the left.
#[allow(clippy::too_many_arguments)]
fn y_axis(out: &mut String, left: f64, right: f64, top_y: f64, height: f64, top: usize, step: usize, title: &str) {
    let mut v = 0;
    while v <= top {
        let y = top_y + height - height * v as f64 / top as f64;
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\
             <text class=\"tick-label\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{v}</text>",
            f(left),
            f(right),
            f(y),
            f(left - 6.0),
            f(y + 4.0),
        );
        v += step;
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\n\
         <text class=\"axis-title\" transform=\"translate({3} {4}) rotate(-90)\" text-anchor=\"middle\">{5}</text>\n",
        f(left),
        f(right),
        f(top_y + height),
        f(14.0),
        f(top_y + height / 2.0),
        esc(title),
    );
}

/// The before/after colour key; the second entry starts after the first's text, whose width is estimated
/// (about 7 units per character at 12px), so a long candidate label does not run into it.
fn legend(out: &mut String, x: f64, y: f64, cmp: &Comparison) {
    let before = format!("before ({})", cmp.base.version);
    let after = format!("after ({})", candidate_label(cmp));
    let x2 = x + 17.0 + 7.0 * before.chars().count() as f64 + 20.0;
    let _ = writeln!(
        out,
        "<g class=\"legend\"><rect class=\"swatch before\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/>\
         <text x=\"{}\" y=\"{}\">{}</text>\
         <rect class=\"swatch after\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/>\
         <text x=\"{}\" y=\"{}\">{}</text></g>",
        f(x),
        f(y - 10.0),
        f(x + 17.0),
        f(y),
        esc(&before),
        f(x2),
        f(y - 10.0),
        f(x2 + 17.0),
        f(y),
        esc(&after),
    );
}

/// The width the legend takes, as estimated by `legend`.
fn legend_width(cmp: &Comparison) -> f64 {
    let chars = format!("before ({})", cmp.base.version).chars().count()
        + format!("after ({})", candidate_label(cmp)).chars().count();
    2.0 * 17.0 + 20.0 + 7.0 * chars as f64
}

/// The largest axis value and the grid step: at most about six steps of 1, 2 or 5 times a power of ten.
fn nice_scale(max: usize) -> (usize, usize) {
    let mut magnitude = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if max.div_ceil(step) <= 6 {
                let top = max.div_ceil(step).max(1) * step;
                return (top, step);
            }
        }
        magnitude *= 10;
    }
}

/// Which of `bins` equal bins over 0–`scale` holds a total; `scale` (and above) in the last, below 0 in the first.
fn bin_of(points: Decimal, scale: Decimal, bins: usize) -> usize {
    let width = scale.max(Decimal::ONE) / Decimal::from(bins);
    let i = (points / width).floor().to_i64().unwrap_or(0);
    i.clamp(0, bins as i64 - 1) as usize
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn sign_class(d: Decimal) -> &'static str {
    if d.is_zero() {
        "zero"
    } else if d.is_sign_positive() {
        "pos"
    } else {
        "neg"
    }
}

/// An SVG coordinate: one decimal, no trailing `.0`.
fn f(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Text escaped for HTML content and double- or single-quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --before: #9aa7b8; --after: #1f6fb5; --gained: #1a7f37; --lost: #c62828; --ink: #1d2330; --muted: #5b6575; --rule: #dde2ea; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f6f7f9; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif; }
header { background: #fff; border-bottom: 1px solid var(--rule); padding: 18px 28px 12px; }
h1 { margin: 0 0 10px; font-size: 22px; }
h2 { margin: 0 0 10px; font-size: 17px; }
main { max-width: 1240px; margin: 0 auto; padding: 18px 28px 40px; }
section { background: #fff; border: 1px solid var(--rule); border-radius: 8px; padding: 16px 18px; margin: 0 0 18px; }
.before-text { color: #66768c; } .after-text { color: var(--after); }
dl.rules { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.rules dt { color: var(--muted); } dl.rules dd { margin: 0; } dl.rules ul { margin: 0; padding-left: 18px; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; }
.digest { color: var(--muted); word-break: break-all; } .none { color: var(--muted); }
section.stats { display: flex; flex-wrap: wrap; gap: 10px; background: none; border: none; padding: 0; }
.stat { flex: 1 1 140px; background: #fff; border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; }
.stat .value { display: block; font-size: 26px; font-weight: 650; }
.stat .label { color: var(--muted); font-size: 12px; }
.stat-gained .value { color: var(--gained); } .stat-lost .value { color: var(--lost); }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
svg.chart { display: block; width: 100%; max-width: 960px; height: auto; margin: 0 auto; font-size: 12px; }
svg .before { fill: var(--before); } svg .after { fill: var(--after); }
svg .bucket.down { fill: var(--lost); } svg .bucket.up { fill: var(--gained); } svg .bucket.same { fill: var(--before); }
svg .count { font-size: 12px; font-weight: 600; fill: var(--ink); }
svg .category { font-size: 12px; fill: var(--ink); }
svg .gained-lost { font-size: 12px; } svg .gained { fill: var(--gained); } svg .lost { fill: var(--lost); }
svg .grid { stroke: #edf0f4; } svg .axis { stroke: #9aa3b0; } svg .tick { stroke: #9aa3b0; }
svg .tick-label { fill: var(--muted); font-size: 11px; } svg .axis-title { fill: var(--muted); font-size: 12px; }
svg .legend text { fill: var(--ink); font-size: 12px; }
svg .attain-zone { fill: #e9f5ec; }
svg .threshold { stroke: var(--lost); stroke-width: 2; stroke-dasharray: 6 4; }
svg .threshold-label { fill: var(--lost); font-size: 12.5px; font-weight: 600; }
svg .threshold.before-threshold { stroke: #66768c; } svg .threshold-label.before-threshold { fill: #66768c; }
table.data { border-collapse: collapse; width: 100%; margin-top: 12px; font-size: 13px; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 5px 8px; text-align: left; vertical-align: top; }
table.data thead th { background: #f0f3f7; font-weight: 600; white-space: nowrap; }
table.compact th, table.compact td { padding: 3px 6px; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.gained, .delta.pos { color: var(--gained); } td.lost, .delta.neg { color: var(--lost); }
table.sortable th[data-key] { cursor: pointer; user-select: none; }
table.sortable th[data-key]:hover { background: #e3e9f1; }
table.sortable th[aria-sort="ascending"]::after { content: " \25B2"; font-size: 10px; }
table.sortable th[aria-sort="descending"]::after { content: " \25BC"; font-size: 10px; }
#changes tbody tr:nth-child(even) { background: #fafbfc; }
td.partner { font-weight: 600; min-width: 200px; max-width: 260px; overflow-wrap: anywhere; }
td.path { white-space: nowrap; }
.scroll { overflow-x: auto; }
td.attribution { color: #394150; font-size: 12.5px; min-width: 300px; }
td.attribution .evidence, td.attribution .explanation, td.attribution .why-not { margin-top: 4px; }
td.attribution ul { margin: 2px 0 0; padding-left: 18px; }
td.attribution ul.appeared li::marker { content: "+ "; color: #1a7f37; }
td.attribution ul.disappeared li::marker { content: "− "; color: #cf222e; }
.status { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; white-space: nowrap; background: #eef1f5; }
.status.gained { background: #dcf3e2; color: var(--gained); } .status.lost { background: #fbe0e0; color: var(--lost); }
.status.kept { background: #e2edf8; color: var(--after); }
.hint { color: var(--muted); font-size: 12.5px; margin: 0; }
"#;

const JS: &str = r#"
(function () {
  "use strict";
  var table = document.getElementById("changes");
  if (!table || !table.tBodies.length) return;
  var body = table.tBodies[0];
  Array.prototype.forEach.call(body.rows, function (row, i) { row.setAttribute("data-index", String(i)); });
  var heads = table.querySelectorAll("th[data-key]");
  function value(row, col, numeric) {
    var cell = row.cells[col];
    if (!cell) return numeric ? -Infinity : "";
    var v = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) return v.toLowerCase();
    var n = parseFloat(v);
    return isNaN(n) ? -Infinity : n;
  }
  function sortBy(th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var col = th.cellIndex, numeric = th.getAttribute("data-type") === "number";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, col, numeric), y = value(b, col, numeric);
      var c = x < y ? -1 : x > y ? 1 : 0;
      if (!ascending) c = -c;
      return c || (Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index")));
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(heads, function (th) {
    th.setAttribute("tabindex", "0");
    th.setAttribute("title", "Sort by " + th.textContent);
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use designate_engine::compare::{MetricDelta, Status, Summary};
    use designate_engine::report::RulesRef;

    fn delta(id: &str, appeared: &[&str], explanation: Option<&str>) -> MetricDelta {
        MetricDelta {
            id: id.to_owned(),
            before: Decimal::from(10),
            after: Decimal::from(20),
            delta: Decimal::from(10),
            appeared: appeared.iter().map(|k| (*k).to_owned()).collect(),
            disappeared: Vec::new(),
            explanation: explanation.map(str::to_owned),
        }
    }

    /// Issue 12: the table of changed results lists the evidence items that appeared or disappeared (customers,
    /// people) when the results carry evidence, and falls back to the explanation when they do not.
    #[test]
    fn changed_results_show_evidence_items_or_else_the_explanation() {
        let rules = RulesRef { version: "v".to_owned(), digest: "sha256:0".to_owned() };
        let designation = DesignationChange {
            id: "data-ai".to_owned(),
            status: Status::Gained,
            path_before: Some("smb".to_owned()),
            path_after: Some("smb".to_owned()),
            points_before: Decimal::from(60),
            points_after: Decimal::from(80),
            delta: Decimal::from(20),
            qualified_before: false,
            qualified_after: true,
            metrics: vec![
                delta("net-customer-adds", &["customer <c-9>: counted (crossed-threshold)"], None),
                delta("deployments", &[], Some("2 customers counted")),
            ],
            attribution: "net-customer-adds +10".to_owned(),
            shortfall: None,
        };
        let cmp = Comparison {
            schema_version: 1,
            base: rules.clone(),
            candidate: rules,
            overrides: Vec::new(),
            rule_changes: Vec::new(),
            min_total: Decimal::from(70),
            max_points: Decimal::from(100),
            base_min_total: Decimal::from(70),
            summary: Summary {
                partners: 1,
                changed: 1,
                failed: 0,
                designations: Vec::new(),
                point_changes: Vec::new(),
            },
            partners: vec![PartnerChange {
                partner: "p-1".to_owned(),
                as_of: "2024-06".to_owned(),
                changed: true,
                designations: vec![designation],
                status: Vec::new(),
            }],
            failures: Vec::new(),
        };
        let html = render(&cmp);
        assert!(
            html.contains(
                "<div class=\"evidence\" data-metric=\"net-customer-adds\"><b>net-customer-adds</b><ul class=\"appeared\" \
                 title=\"now\"><li>customer &lt;c-9&gt;: counted (crossed-threshold)</li></ul></div>"
            ),
            "{html}"
        );
        assert!(
            html.contains(
                "<div class=\"explanation\" data-metric=\"deployments\"><b>deployments</b>: 2 customers counted</div>"
            ),
            "{html}"
        );
    }
}
