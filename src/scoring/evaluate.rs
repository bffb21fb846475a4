//! Scoring and planning in one call: what the result page, the API and
//! the advisor's brief show.

use super::assessment::{Assessment, Recorded};
use super::engine::{Basis, assess_on};
use super::materials;
use super::plan;
use super::profile::Profile;
use super::revisions::Revisions;
use super::school;
use super::steps;
use super::verdict::Verdict;
use super::wages::ReferenceWages;
use super::wages::YearMonth;

/// Scores stored answers as they were scored when stored (their date,
/// reference wage and rule revision) and plans them: one call from stored
/// data to the page.
pub fn replay(profile: &Profile, recorded: &Recorded, wages: &ReferenceWages) -> Assessment {
    // Results stored before `verified_to` was recorded take it from the
    // table's period of the same figure, when it is still there.
    let used = recorded.reference_wage.clone().map(|mut used| {
        if used.verified_to.is_none() {
            used.verified_to = wages
                .periods()
                .iter()
                .find(|period| period.from == used.from && period.yuan == used.yuan)
                .map(|period| period.verified_to);
        }
        used
    });
    let then = used
        .as_ref()
        .map(|used| ReferenceWages::single(used.period()));
    let revisions = Revisions::bundled();
    let (revision, legacy) = match recorded.rules_revision.as_deref() {
        None => (&revisions.all()[0], true),
        Some(id) => (
            revisions
                .by_id(id)
                .unwrap_or_else(|| revisions.in_force_on(recorded.assessed_on)),
            false,
        ),
    };
    let mut rules = revisions.rules_of(revision);
    if legacy {
        rules.fresh_graduate_needs_college = false;
    }
    let basis = Basis {
        on: recorded.assessed_on,
        wages: then.as_ref().unwrap_or(wages),
        rules,
    };
    let mut assessment = evaluate_on(profile, &basis);
    assessment.rule_set = recorded.rule_set.clone();
    assessment.reference_wage = used;
    assessment
}

/// Scores `profile` and plans the path to 120: the breakdown of `assess`
/// plus the range, the projection, ranked suggestions and the checklist.
pub fn evaluate(profile: &Profile, assessed_on: time::Date, wages: &ReferenceWages) -> Assessment {
    evaluate_on(profile, &Basis::on(assessed_on, wages))
}

/// `evaluate` against an explicit basis (a stored result's own revision).
pub fn evaluate_on(profile: &Profile, basis: &Basis) -> Assessment {
    let mut assessment = assess_on(profile, basis);
    add_plan(&mut assessment, profile, basis);
    assessment
}

/// Fills in the plan of an assessment of `profile`: the deciding unknowns,
/// the projection, the suggestions and the checklist. Deterministic.
fn add_plan(assessment: &mut Assessment, profile: &Profile, basis: &Basis) {
    let (_, _, deciding) = plan::range(profile, basis);
    assessment.deciding_unknowns = deciding;
    assessment.projection = plan::project(profile, basis);
    if assessment.verdict == Verdict::Short {
        let suggestions = steps::suggestions(profile, basis, &assessment.projection);
        // Routes when no step but time closes the gap (a wait of years is
        // no reason to hide a sooner combination).
        if !suggestions.iter().any(|s| s.closes && s.code != "time") {
            assessment.routes = steps::routes(profile, basis, &assessment.projection);
        }
        assessment.suggestions = suggestions;
    }
    assessment.materials = materials::checklist(profile);
    assessment.school = school::plan(
        profile.child_grade,
        profile.child_birth,
        basis.on,
        assessment.projection.reaches_standard_on,
        profile.employer_registered,
    );
    judge_against_the_deadline(assessment, basis.on);
}

/// With a child whose 中考 is ahead: the steps and routes whose 通知书
/// comes before the 材料核查 come first, and each says whether it does.
fn judge_against_the_deadline(assessment: &mut Assessment, on: time::Date) {
    let Some(school) = &assessment.school else {
        return;
    };
    if school.zhongkao.status == school::Status::Done {
        return;
    }
    let start = YearMonth::of(on);
    let makes = |months: u32| {
        school::makes_target(
            start.plus_months(months),
            school.processing_months,
            school.zhongkao.target,
        )
    };
    for s in &mut assessment.suggestions {
        s.makes_target = Some(s.closes && makes(s.months));
    }
    for route in &mut assessment.routes {
        route.makes_target = Some(makes(route.months));
    }
    assessment
        .suggestions
        .sort_by_key(|s| s.makes_target != Some(true));
    assessment
        .routes
        .sort_by_key(|r| r.makes_target != Some(true));
}
