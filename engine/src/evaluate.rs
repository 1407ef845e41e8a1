//! Scores a partner under a rule set: picks each designation's path, has each metric measured by its kind
//! (`metrics`), turns units into points and decides qualification, writing down why at every step.
//!
//! The evaluator knows no designation, product or number of the program, and no metric kind either: it hands
//! each metric to its kind through the registry of `metrics`, which also groups the usage rows once per
//! selection for every metric that reads it.

use rust_decimal::Decimal;

use crate::error::{Error, Located};
use crate::explain::{join_limited, month_runs, pct};
use crate::metrics::combined;
use crate::metrics::points::{explain as explain_points, points};
use crate::metrics::{data_gaps, uncounted_clouds, value, Context};
use crate::partner::{Measure, Partner};
use crate::report::{
    DataGap, DesignationResult, Enrollment, MetricResult, RulesRef, ScoreReport, Warning, WindowMonth,
};
use crate::rules::*;
use crate::value::Month;

/// The rule versions the months of a partner's qualification window are scored by.
///
/// One [`RuleSet`] scores every month, whatever its effective range; a slice of versions (a rules root) scores
/// each month by the version in force then.
pub trait Versions {
    /// The rule set in force in `month`, if any.
    fn in_force(&self, month: Month) -> Option<&RuleSet>;
}

impl Versions for RuleSet {
    fn in_force(&self, _: Month) -> Option<&RuleSet> {
        Some(self)
    }
}

impl Versions for [RuleSet] {
    fn in_force(&self, month: Month) -> Option<&RuleSet> {
        self.iter().rev().find(|s| s.applies_to(month))
    }
}

/// Scores `partner` on every designation of `rules`, every month of the qualification window by `rules`.
///
/// Fails when a rule script fails (the error names the script and the partner) or when the partner's
/// `history` names a designation the rules do not know (the error names the field).
pub fn score(rules: &RuleSet, partner: &Partner) -> Result<ScoreReport, Error> {
    score_by(rules, partner)
}

/// Scores `partner` under the version in force at its `as_of`, each earlier month of the qualification window
/// under the version in force that month. Fails as [`score`] does, and when no version is in force at `as_of`.
pub fn score_by<V: Versions + ?Sized>(versions: &V, partner: &Partner) -> Result<ScoreReport, Error> {
    score_by_with(versions, partner, Detail::Full)
}

/// How much of a report [`score_by_with`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Everything: each metric's evidence items and explanation, each designation's reasons in words.
    #[default]
    Full,
    /// What flat results keep (issue 15): each designation's path, points and qualification, each metric's
    /// points. `as_of` is measured as the earlier months of the window are: the kinds record no evidence items
    /// and no English is written, so `explanation`, `path_reason` and `qualification` are empty and the
    /// evidence holds only its numbers. The numbers themselves, the whole window, the enrollment track, program
    /// status, warnings and data gaps are exactly those of [`Detail::Full`].
    Points,
}

/// [`score_by`] writing only the `detail` asked for: `score --format csv` and `--format parquet` (and the
/// Python module's `score_tables`) read only points, paths and qualification, and measuring `as_of` without
/// its evidence items and English costs a fraction of measuring it in full.
pub fn score_by_with<V: Versions + ?Sized>(
    versions: &V,
    partner: &Partner,
    detail: Detail,
) -> Result<ScoreReport, Error> {
    let Some(rules) = versions.in_force(partner.as_of) else {
        return Err(Error::new(
            Located::field(&partner.origin, "as_of"),
            format!("no rule version applies to as_of {}", partner.as_of),
        ));
    };
    crate::status::check_history(rules, partner)?;
    // The window's earlier months, oldest first. Issue 15: the window is built once: the usage is grouped once per
    // version (by the context) and every month is measured on those series, the context only pointed at the
    // month; earlier months keep only their path, points and qualified, so they are measured `brief` (no
    // evidence items, no English), and the partner is never copied.
    let months: Vec<Month> =
        (1..rules.window_months()).rev().map(|back| partner.as_of.offset(-(back as i32))).collect();
    let brief = detail == Detail::Points;
    let mut ctx = Context::new(rules, partner);
    ctx.brief = brief;
    let mut designations = rules.designations.iter().map(|d| ctx.designation(d)).collect::<Result<Vec<_>, _>>()?;
    let mut others: Vec<Context> = Vec::new();
    let mut earlier: Vec<(Month, Option<&RuleSet>, Vec<DesignationResult>)> = Vec::new();
    for &month in &months {
        let Some(version) = versions.in_force(month) else {
            earlier.push((month, None, Vec::new()));
            continue;
        };
        let month_ctx = if std::ptr::eq(version, rules) {
            &mut ctx
        } else {
            match others.iter().position(|c| std::ptr::eq(c.rules, version)) {
                Some(i) => &mut others[i],
                None => {
                    others.push(Context::new(version, partner));
                    others.last_mut().expect("just pushed")
                }
            }
        };
        month_ctx.as_of = month;
        month_ctx.brief = true;
        month_ctx.window_month = true;
        let results = version.designations.iter().map(|d| month_ctx.designation(d)).collect::<Result<Vec<_>, _>>()?;
        earlier.push((month, Some(version), results));
    }
    // The contexts measured earlier months; as_of itself is what an enrollment track re-scores, in the detail
    // asked for.
    ctx.as_of = partner.as_of;
    ctx.brief = brief;
    ctx.window_month = false;
    for (k, d) in designations.iter_mut().enumerate() {
        let n = rules.designations[k].qualification.window_months as usize;
        let months = &earlier[earlier.len() + 1 - n..];
        ctx.enroll(&rules.designations[k], d, months)?;
        let mut window: Vec<WindowMonth> = months
            .iter()
            .map(|(month, version, results)| match results.iter().find(|r| r.id == d.id) {
                Some(r) => WindowMonth {
                    month: month.to_string(),
                    version: version.map(|v| v.version.clone()),
                    path: Some(r.path.clone()),
                    points: Some(crate::evidence::Number(r.points.normalize())),
                    qualified: r.qualified,
                },
                None => WindowMonth {
                    month: month.to_string(),
                    version: version.map(|v| v.version.clone()),
                    path: None,
                    points: None,
                    qualified: false,
                },
            })
            .collect();
        window.push(WindowMonth {
            month: partner.as_of.to_string(),
            version: Some(rules.version.clone()),
            path: Some(d.path.clone()),
            points: Some(crate::evidence::Number(d.points.normalize())),
            qualified: d.qualified,
        });
        d.qualified_in_window = window.iter().any(|w| w.qualified);
        d.window = window;
    }
    let data_gaps = designations
        .iter()
        .flat_map(|d| d.metrics.iter().map(move |m| (d, m)))
        .flat_map(|(d, m)| m.evidence.iter().flat_map(|e| &e.missing).map(move |x| (d, m, x)))
        .map(|(d, m, missing)| DataGap {
            designation: d.id.clone(),
            metric: m.id.clone(),
            measure: missing.measure.clone(),
            months_missing: missing.months.clone(),
            message: gap_message(partner, missing),
        })
        .collect();
    Ok(ScoreReport {
        schema_version: crate::report::SCHEMA_VERSION,
        partner: partner.id.clone(),
        as_of: partner.as_of.to_string(),
        rules: RulesRef { version: rules.version.clone(), digest: rules.digest.clone() },
        program: crate::status::program(rules, partner, &designations),
        software: crate::status::software(rules, partner),
        designations,
        warnings: certification_warnings(rules, partner).into_iter().chain(uncounted_clouds(rules, partner)).collect(),
        data_gaps,
    })
}

/// A data gap in words: what the data lacks, what it holds of the measure and where from, and that the metric
/// was scored from the data there is.
fn gap_message(partner: &Partner, missing: &crate::evidence::Missing) -> String {
    let months: Vec<Month> = missing.months.iter().filter_map(|m| m.parse().ok()).collect();
    let coverage = Measure::ALL.iter().find(|m| m.name() == missing.measure).and_then(|m| partner.coverage_of(*m));
    match coverage {
        None => format!(
            "{} is not in the data (coverage does not list it): {} read as none",
            missing.measure,
            month_runs(&months)
        ),
        Some(c) => {
            let from = c.source.as_deref().map(|s| format!(" from {s}")).unwrap_or_default();
            format!(
                "{} of {} is missing from the data (it holds {}–{}{from}): scored from the months there are",
                missing.measure,
                month_runs(&months),
                c.from,
                c.to
            )
        }
    }
}

/// What a metric's evidence says of the months it read that the partner's data lacks (its `coverage`), and the
/// same in words for the end of its explanation; nothing for a partner without `coverage`.
fn missing_data(rules: &RuleSet, partner: &Partner, m: &Metric) -> (Vec<crate::evidence::Missing>, String) {
    let gaps = data_gaps(rules, partner, &m.measurement);
    if gaps.is_empty() {
        return (Vec::new(), String::new());
    }
    let mut words = Vec::new();
    let missing = gaps
        .into_iter()
        .map(|(measure, months)| {
            let not_in_data = partner.coverage_of(measure).is_none();
            words.push(if not_in_data {
                format!("{} (not in the data)", measure.name())
            } else {
                format!("{} {}", measure.name(), month_runs(&months))
            });
            crate::evidence::Missing {
                measure: measure.name().to_owned(),
                months: months.iter().map(Month::to_string).collect(),
                not_in_data,
            }
        })
        .collect();
    (missing, format!(" [missing from the data: {}]", words.join("; ")))
}

/// One designation of `rules` scored for `partner`, exactly as [`score`] reports it.
///
/// `gap` re-scores one designation for every candidate addition: scoring only that one groups only the usage
/// of the selections it reads, and skips the other designations, program status and warnings. The partner's
/// history is not checked here; `gap` scores the partner with [`score`] first, which does.
pub(crate) fn score_designation(
    rules: &RuleSet,
    partner: &Partner,
    designation: &Designation,
) -> Result<DesignationResult, Error> {
    Context::new(rules, partner).designation(designation)
}

/// Certifications the catalogue does not know that are probably misspelt: close to a code, name or alias of
/// the catalogue, or shaped like an exam code with a letter in its number (`AZ-9O0`). They count for nothing,
/// so the partner is told. Other free text (`Scrum Master`) and well-formed codes the catalogue does not list
/// (`SC-900`) are not misspellings and pass silently.
fn certification_warnings(rules: &RuleSet, partner: &Partner) -> Vec<Warning> {
    let cat = &rules.catalogue;
    let mut warnings = Vec::new();
    for (i, person) in partner.people.iter().enumerate() {
        for (j, c) in person.certifications.iter().enumerate() {
            if cat.find(&c.name).is_some() {
                continue;
            }
            let hint = match cat.near(&c.name) {
                Some(spelling) => format!("did you mean \"{spelling}\"?"),
                // A well-formed code the catalogue does not list (`SC-900`, a fundamentals exam) is a real
                // exam that counts for nothing, not a typo: only a letter typed in the number is warned about.
                None if crate::rules::looks_like_exam_code(&c.name) && letter_in_number(&c.name) => format!(
                    "the catalogue of rule version {} does not list it, so it counts toward no designation",
                    rules.version
                ),
                None => continue,
            };
            warnings.push(Warning {
                field: format!("people[{i}].certifications[{j}]"),
                message: format!("unknown certification \"{}\"", c.name),
                hint: Some(hint),
            });
        }
    }
    warnings
}

/// Whether an exam-code-shaped name has a letter O, I or l where its number should be (`AZ-9O0`).
fn letter_in_number(name: &str) -> bool {
    name.trim().chars().skip_while(char::is_ascii_alphabetic).any(|c| matches!(c, 'O' | 'o' | 'I' | 'l'))
}

/// The winning path of a `best-total` designation, ranked by `by` (a tie goes to the path listed first), and
/// why it won: the winner, the rule that decided against the runner-up, and every path's total.
/// A month of the window (`brief`) keeps only the winner: the reason is not written.
fn best_total(paths: &[ScoringPath], scored: &[DesignationResult], by: BestBy, brief: bool) -> (usize, String) {
    let rank = |r: &DesignationResult| match by {
        BestBy::Points => (false, r.points),
        BestBy::QualifiedThenPoints => (r.qualified, r.points),
    };
    // Strictly better only: the path listed first keeps a tie.
    let mut best = 0;
    for (i, r) in scored.iter().enumerate().skip(1) {
        if rank(r) > rank(&scored[best]) {
            best = i;
        }
    }
    if brief {
        return (best, String::new());
    }
    let runner_up = (0..scored.len())
        .filter(|i| *i != best)
        .max_by(|a, b| rank(&scored[*a]).cmp(&rank(&scored[*b])).then(b.cmp(a)));
    let rule = match runner_up.map(|i| &scored[i]) {
        None => "the only path",
        Some(other) if other.points == scored[best].points && rank(other) == rank(&scored[best]) => {
            "tie: the path listed first"
        }
        // The qualification decided only when the winner's total alone would not have.
        Some(other)
            if by == BestBy::QualifiedThenPoints
                && scored[best].qualified
                && !other.qualified
                && other.points >= scored[best].points =>
        {
            "a qualifying path first"
        }
        Some(_) => "higher total",
    };
    let totals: Vec<String> = scored
        .iter()
        .zip(paths)
        .map(|(r, p)| {
            let mark = if by == BestBy::QualifiedThenPoints && r.qualified { " (attained)" } else { "" };
            format!("{} {}{mark}", p.id, r.points.normalize())
        })
        .collect();
    let reason = format!(
        "{} wins, {rule} (best_by \"{}\"): every path is scored: {}",
        paths.get(best).map_or("", |p| p.id.as_str()),
        by.name(),
        totals.join(", ")
    );
    (best, reason)
}

impl Context<'_> {
    /// The enrollment track of a designation whose path rule has `enrollment_prefers`: the preferred path when
    /// the rule gave it in some month of the window (`earlier`, then as_of), else as_of's path. While the
    /// designation is kept from an earlier attainment (until its anniversary), `result` is re-scored on it.
    fn enroll(
        &self,
        d: &Designation,
        result: &mut DesignationResult,
        earlier: &[(Month, Option<&RuleSet>, Vec<DesignationResult>)],
    ) -> Result<(), Error> {
        let PathSelection::Rule(rule) = &d.path_selection else { return Ok(()) };
        let Some(prefers) = &self.rules.path_rules[*rule].enrollment_prefers else { return Ok(()) };
        let as_of = self.as_of;
        let from = earlier.first().map_or(as_of, |(m, _, _)| *m);
        let paths = earlier
            .iter()
            .map(|(m, _, results)| (*m, results.iter().find(|r| r.id == d.id).map(|r| r.path.as_str())))
            .chain(std::iter::once((as_of, Some(result.path.as_str()))));
        let first = paths.filter(|(_, p)| *p == Some(prefers.as_str())).map(|(m, _)| m).next();
        let (path, mut reason) = match first {
            Some(m) => (
                prefers.clone(),
                format!(
                    "{prefers}: the path rule gives {prefers} in {m}, within the qualification window {from}–{as_of}"
                ),
            ),
            None => (
                result.path.clone(),
                format!(
                    "{}: the path rule gives {prefers} in no month of the qualification window {from}–{as_of}",
                    result.path
                ),
            ),
        };
        let kept = crate::status::kept_until_anniversary(self.partner, &d.id);
        let applied = match (&self.partner.path, kept) {
            (Some(_), _) => {
                reason.push_str("; not scored: the path stated in the partner file wins");
                false
            }
            (None, Some((day, renewal))) => {
                reason
                    .push_str(&format!("; scored: attained {day}, the track is fixed until the anniversary {renewal}"));
                true
            }
            (None, None) => {
                reason.push_str("; not scored: the designation is not held from an earlier attainment");
                false
            }
        };
        if applied && path != result.path {
            if let Some(p) = d.paths.iter().find(|p| p.id == path) {
                let mut rescored = self.path(d, p)?;
                rescored.path_reason = format!(
                    "{path}: the enrollment track (the path rule alone gives {}: {})",
                    result.path, result.path_reason
                );
                *result = rescored;
            }
        }
        result.enrollment = Some(Enrollment { path, reason, applied });
        Ok(())
    }

    fn designation(&self, d: &Designation) -> Result<DesignationResult, Error> {
        let (path_index, path_reason) = match &d.path_selection {
            PathSelection::Single => (0, self.words(|| "the designation has one path".to_owned())),
            PathSelection::Rule(rule) => {
                let chosen = self.assigned_path(d, &self.rules.path_rules[*rule]);
                self.overflow_error(|| format!("choosing the path of designation \"{}\"", d.id))?;
                chosen
            }
            PathSelection::BestTotal(by) => {
                let mut scored = Vec::new();
                for p in &d.paths {
                    scored.push(self.path(d, p)?);
                }
                let (best, reason) = best_total(&d.paths, &scored, *by, self.brief);
                let mut result = scored.swap_remove(best);
                result.path_reason = reason;
                return Ok(result);
            }
        };
        let mut result = self.path(d, &d.paths[path_index])?;
        result.path_reason = path_reason;
        Ok(result)
    }

    /// The path a rule assigns, or the one the partner file states when the designation has it.
    fn assigned_path(&self, d: &Designation, rule: &PathRule) -> (usize, String) {
        let index_of = |id: &str| d.paths.iter().position(|p| p.id == id);
        if let Some(stated) = &self.partner.path {
            if let Some(i) = index_of(stated) {
                return (i, format!("{stated}, as stated in the partner file"));
            }
        }
        let mut failed = Vec::new();
        for (path, test) in &rule.tests {
            let (holds, why) = self.path_test(test);
            if holds {
                return (index_of(path).unwrap_or(0), self.words(|| format!("{path}: {why}")));
            }
            failed.push(why);
        }
        // A month of the window keeps only the path chosen, not why.
        if self.brief {
            return (index_of(&rule.default).unwrap_or(0), String::new());
        }
        let reason = if failed.is_empty() {
            format!("{}: the rule's default", rule.default)
        } else {
            format!("{}: {}", rule.default, failed.join("; "))
        };
        (index_of(&rule.default).unwrap_or(0), reason)
    }

    fn path_test(&self, test: &PathTest) -> (bool, String) {
        let as_of = self.as_of;
        let ttm = (as_of.offset(-11), as_of);
        match test {
            PathTest::TtmTotalAtLeast { selection, amount } => {
                let total = self.series(*selection).total_between(ttm.0, ttm.1);
                let holds = total >= *amount;
                let op = if holds { "≥" } else { "<" };
                (
                    holds,
                    self.words(|| {
                        format!(
                            "total over {}–{} is {} {op} {}",
                            ttm.0,
                            ttm.1,
                            self.money(*selection, total),
                            self.money(*selection, *amount)
                        )
                    }),
                )
            }
            PathTest::SegmentShareBelow { selection, segments, share, months } => {
                let series = self.series(*selection);
                // The customers counted: a value above 0 in the last `months` months ending at as_of.
                let from = as_of.offset(-(months - 1));
                // Words only: a month of the window keeps none.
                let span = || if *months == 1 { as_of.to_string() } else { format!("{from}–{as_of}") };
                // Counted in one pass: those active, and those of them in the segments.
                let (mut active, mut inside) = (0usize, 0usize);
                for (c, m) in &series.customers {
                    if m.any_above_zero(from, as_of) {
                        active += 1;
                        inside += self.partner.segments.get(*c).is_some_and(|s| segments.contains(s)) as usize;
                    }
                }
                let names = || segments.iter().map(|s| s.name()).collect::<Vec<&str>>().join("/");
                if active == 0 {
                    return (
                        false,
                        self.words(|| {
                            format!(
                                "no customer has usage in {}, so the {} share is not below {}",
                                span(),
                                names(),
                                pct(*share * Decimal::ONE_HUNDRED)
                            )
                        }),
                    );
                }
                let ratio = Decimal::from(inside) / Decimal::from(active);
                let holds = ratio < *share;
                let op = if holds { "<" } else { "≥" };
                (
                    holds,
                    self.words(|| {
                        format!(
                            "{} of {} customers with usage in {} are {} ({} {op} {})",
                            inside,
                            active,
                            span(),
                            names(),
                            pct(ratio * Decimal::ONE_HUNDRED),
                            pct(*share * Decimal::ONE_HUNDRED)
                        )
                    }),
                )
            }
            PathTest::EntitiesAboveInBothMonths { selection, entity, above, at_least, baseline_offset } => {
                let base = as_of.offset(-baseline_offset);
                let found: Vec<String> = self
                    .series(*selection)
                    .entities(*entity, Aggregate::Sum)
                    .into_iter()
                    .filter(|(_, m)| value(m, as_of) > *above && value(m, base) > *above)
                    .map(|(k, _)| k.to_owned())
                    .collect();
                let holds = found.len() >= *at_least;
                let op = if holds { "≥" } else { "<" };
                let why = self.words(|| {
                    let mut why = format!(
                        "{} over {} in both {base} and {as_of}: {} {op} {at_least}",
                        if *entity == Entity::Customer { "customers" } else { "customer products" },
                        self.money(*selection, *above),
                        found.len()
                    );
                    if !found.is_empty() {
                        why.push_str(&format!(" ({})", join_limited(&found)));
                    }
                    why
                });
                (holds, why)
            }
        }
    }

    fn path(&self, d: &Designation, path: &ScoringPath) -> Result<DesignationResult, Error> {
        let mut metrics = Vec::new();
        // An earlier month of the window keeps no metric results: only their points are summed and checked.
        let mut window_points = Vec::new();
        if self.window_month {
            window_points.reserve(path.metrics.len());
            for m in &path.metrics {
                window_points.push(self.metric_points(d, m)?);
            }
        } else {
            metrics.reserve(path.metrics.len());
            for m in &path.metrics {
                metrics.push(self.metric(d, m)?);
            }
        }
        let all_points = || metrics.iter().map(|m| m.points).chain(window_points.iter().copied());
        // Each metric's points are capped at its max_points, whose sum the rules check: this cannot overflow.
        let sum: Decimal = all_points().sum();
        let points = sum.min(d.max_points);
        let q = &d.qualification;
        let below = |m: &&MetricResult| m.points < q.min_each_metric;
        let each_ok = !all_points().any(|p| p < q.min_each_metric);
        let total_ok = points >= q.min_total;
        let qualified = total_ok && each_ok;
        // The metrics short of the minimum are named only in words, which a month of the window does not keep.
        let short = || -> String {
            let short: Vec<String> =
                metrics.iter().filter(below).map(|m| format!("{} has {}", m.id, m.points.normalize())).collect();
            short.join(", ")
        };
        let qualification = self.words(|| match (total_ok, each_ok) {
            (true, true) => format!(
                "attained: {} ≥ {} points, and every metric has at least {}",
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize()
            ),
            (true, false) => format!(
                "not attained: {} ≥ {} points, but every metric needs at least {} and {}",
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize(),
                short()
            ),
            (false, true) => format!("not attained: {} < {} points", points.normalize(), q.min_total.normalize()),
            (false, false) => format!(
                "not attained: {} < {} points, and every metric needs at least {} but {}",
                points.normalize(),
                q.min_total.normalize(),
                q.min_each_metric.normalize(),
                short()
            ),
        });
        Ok(DesignationResult {
            id: d.id.clone(),
            name: d.name.clone(),
            path: path.id.clone(),
            path_reason: String::new(),
            points,
            max_points: d.max_points,
            qualified,
            qualification,
            qualified_in_window: qualified,
            window: Vec::new(),
            enrollment: None,
            min_total: Some(crate::evidence::Number(q.min_total)),
            min_each_metric: Some(crate::evidence::Number(q.min_each_metric)),
            metrics,
        })
    }

    /// A metric's points in an earlier month of the window: measured and scored as [`Context::metric`] does
    /// (the same kinds, points and overflow errors), without the result around them. The three measuring lines
    /// repeat `metric`'s on purpose: a shared helper returning the measurement and its points moved both
    /// through memcpy, 0.6 % more instructions for `score -` and 1.0 % over Parquet tables even inlined
    /// (callgrind, 3 December); `a_window_months_points_and_errors_are_the_full_results` holds the two equal.
    fn metric_points(&self, d: &Designation, m: &Metric) -> Result<Decimal, Error> {
        let points = match &m.measurement {
            Measurement::Single(kind) => {
                let measured = kind.kind().measure(self);
                let rule = m.points.as_ref().expect("compile gives a single-kind metric its points");
                points(self, rule, m.max_points, &measured, &[])?.points
            }
            Measurement::Combined { combine, parts } => {
                combined::measure(self, m, *combine, parts)?.points.as_ref().map_or(Decimal::ZERO, |p| p.points)
            }
        };
        self.metric_overflow(d, m)?;
        Ok(points)
    }

    /// The partner's error when a sum overflowed while `m` was scored.
    fn metric_overflow(&self, d: &Designation, m: &Metric) -> Result<(), Error> {
        self.overflow_error(|| format!("scoring metric \"{}\" of designation \"{}\"", m.id, d.id))
    }

    fn metric(&self, d: &Designation, m: &Metric) -> Result<MetricResult, Error> {
        let (mut evidence, mut explanation) = match &m.measurement {
            Measurement::Single(kind) => {
                let measured = kind.kind().measure(self);
                let rule = m.points.as_ref().expect("compile gives a single-kind metric its points");
                let pe = points(self, rule, m.max_points, &measured, &[])?;
                let mut evidence = measured.evidence;
                // The English is read back from the evidence, never written beside it (and not at all for a
                // month of the window, which keeps only the points).
                let explanation = if self.brief {
                    String::new()
                } else {
                    format!("{} → {}", kind.kind().explain(&evidence, self), explain_points(&pe, m.max_points))
                };
                evidence.points = Some(pe);
                (evidence, explanation)
            }
            Measurement::Combined { combine, parts } => {
                let evidence = combined::measure(self, m, *combine, parts)?;
                let explanation =
                    if self.brief { String::new() } else { combined::explain(self, m, *combine, parts, &evidence) };
                (evidence, explanation)
            }
        };
        let (missing, words) = missing_data(self.rules, self.partner, m);
        evidence.missing = missing;
        explanation.push_str(&words);
        let points = evidence.points.as_ref().map_or(Decimal::ZERO, |p| p.points);
        self.metric_overflow(d, m)?;
        Ok(MetricResult {
            id: m.id.clone(),
            category: m.category.clone(),
            points,
            max_points: m.max_points,
            explanation,
            evidence: Some(evidence),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::WindowMonth;

    /// The shipped rule version `v` (`rules/<v>`).
    fn shipped_version(v: &str) -> RuleSet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules").join(v);
        RuleSet::load(&dir).unwrap_or_else(|e| panic!("shipped rules {v} do not load: {e:?}"))
    }

    /// The shipped rule versions, oldest first (a rules root, as `score_by` takes it).
    fn shipped() -> Vec<RuleSet> {
        ["2023-07", "2024-06"].into_iter().map(shipped_version).collect()
    }

    /// The window as it was scored before issue 15, kept as the oracle: each earlier month scored in full (evidence
    /// and English) on a copy of the partner whose `as_of` is that month, by the version in force then.
    fn window_by_rescoring<V: Versions + ?Sized>(
        versions: &V,
        partner: &Partner,
        id: &str,
        n: usize,
    ) -> Vec<WindowMonth> {
        (1..n)
            .rev()
            .map(|back| {
                let month = partner.as_of.offset(-(back as i32));
                let version = versions.in_force(month);
                let at = Partner { as_of: month, ..partner.clone() };
                let result = version
                    .and_then(|v| v.designations.iter().find(|d| d.id == id).map(|d| (v, d)))
                    .map(|(v, d)| Context::new(v, &at).designation(d).expect("scores"));
                WindowMonth {
                    month: month.to_string(),
                    version: version.map(|v| v.version.clone()),
                    path: result.as_ref().map(|r| r.path.clone()),
                    points: result.as_ref().map(|r| crate::evidence::Number(r.points.normalize())),
                    qualified: result.is_some_and(|r| r.qualified),
                }
            })
            .collect()
    }

    // issue 15: the window is built once (the context pointed at each month, earlier months measured without
    // evidence items or English) and gives exactly the months the old per-month full scoring gave, on generated
    // partners of every shipped version, one rule set alone and a root whose window crosses versions.
    #[test]
    fn the_window_built_once_gives_the_months_full_scoring_gave() {
        let versions = shipped();
        let mut compared = 0;
        for (v, as_of) in [(0, "2023-12"), (1, "2024-08"), (1, "2026-06")] {
            let rules = &versions[v];
            let generator = crate::generate::Generator::new(rules);
            for i in 0..24 {
                let file = generator.partner(i, 15, as_of.parse().expect("a month"));
                let partner = Partner::from_file(file, "generated").expect("generated partners validate");
                let mut check = |report: ScoreReport, oracle: &dyn Fn(&str, usize) -> Vec<WindowMonth>| {
                    for d in &report.designations {
                        let (earlier, last) = d.window.split_at(d.window.len() - 1);
                        assert_eq!(earlier, oracle(&d.id, d.window.len()), "partner {i} as of {as_of}, {}", d.id);
                        assert_eq!(last[0].points, Some(crate::evidence::Number(d.points.normalize())));
                        compared += earlier.len();
                    }
                };
                check(score(rules, &partner).expect("scores"), &|id, n| window_by_rescoring(rules, &partner, id, n));
                check(score_by(&versions[..], &partner).expect("scores"), &|id, n| {
                    window_by_rescoring(&versions[..], &partner, id, n)
                });
            }
        }
        assert!(compared > 500, "only {compared} months compared");
    }

    // issue 15: an earlier month of the window sums each metric's points without building its result; the points
    // and the errors (a sum that overflows) are those of the full result, for every metric of every path, in
    // every month of the window, on generated partners and on the same partners with values that overflow.
    #[test]
    fn a_window_months_points_and_errors_are_the_full_results() {
        let (mut compared, mut failed) = (0, 0);
        for (v, as_of) in
            [("2023-07", "2023-12"), ("2024-06", "2024-08"), ("2024-06", "2026-06"), ("2026-07", "2026-09")]
        {
            let rules = &shipped_version(v);
            let generator = crate::generate::Generator::new(rules);
            for i in 0..12 {
                let mut partner =
                    Partner::from_file(generator.partner(i, 15, as_of.parse().expect("a month")), "generated")
                        .expect("generated partners validate");
                // Every third partner: a value of every fifth row is the largest decimal, so sums overflow.
                if i % 3 == 2 {
                    for row in partner.usage.iter_mut().step_by(5) {
                        row.value = Decimal::MAX;
                    }
                }
                for back in 0..6 {
                    let month = partner.as_of.offset(-back);
                    for d in &rules.designations {
                        for path in &d.paths {
                            for m in &path.metrics {
                                let (mut full, mut window) =
                                    (Context::new(rules, &partner), Context::new(rules, &partner));
                                full.as_of = month;
                                full.brief = true;
                                window.as_of = month;
                                window.brief = true;
                                window.window_month = true;
                                let full = full.metric(d, m).map(|r| r.points).map_err(|e| e.to_string());
                                let window = window.metric_points(d, m).map_err(|e| e.to_string());
                                assert_eq!(window, full, "partner {i}, {month}, {} {} {}", d.id, path.id, m.id);
                                compared += 1;
                                failed += full.is_err() as usize;
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 5_000 && failed > 100, "{compared} metrics compared, {failed} of them errors");
    }
}
