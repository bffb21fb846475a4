//! Scoring one profile (target < 5 µs) and rendering the result page (target
//! < 1 ms). Run with `cargo bench --bench scoring`.

use std::hint::black_box;

use askama::Template;
use criterion::{Criterion, criterion_group, criterion_main};
use time::macros::date;

use hujifen::scoring::input::RawAnswers;
use hujifen::scoring::{
    Award, ContributionTier, Education, Profile, Qualification, ReferenceWages, assess, evaluate,
    parse_answers,
};
use hujifen::settings::Settings;
use hujifen::web::self_test::{FormPage, ResultPage};

fn typical() -> Profile {
    Profile {
        age: 50,
        education: Education::College,
        qualification: Qualification::IntermediateTitle,
        qualification_base_met: true,
        insurance_months: 96,
        contribution_tier: ContributionTier::X1,
        shortage_major: true,
        suburb_years: 6,
        lingang_years: 4,
        spouse_hukou_years: 3,
        award: Award::MunicipalSpecial,
        detention_count: 1,
        ..Profile::default()
    }
}

fn benches(c: &mut Criterion) {
    let wages = ReferenceWages::bundled();
    let profile = typical();
    let on = date!(2026 - 11 - 28);
    c.bench_function("assess one profile", |b| {
        b.iter(|| assess(black_box(&profile), black_box(on), &wages))
    });

    let raw: RawAnswers = [
        ("age", "50"),
        ("education", "college"),
        ("qualification", "intermediate_title"),
        ("qualification_base_met", "on"),
        ("insurance_months", "96"),
        ("contribution_tier", "x1"),
        ("shortage_major", "on"),
        ("suburb_years", "6"),
        ("detention_count", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    c.bench_function("parse and assess form answers", |b| {
        b.iter(|| {
            let profile = parse_answers(black_box(&raw)).expect("valid answers");
            assess(&profile, on, &wages)
        })
    });

    let assessment = evaluate(&profile, on, &wages);
    c.bench_function(
        "evaluate one profile (breakdown, range, projection, suggestions, checklist)",
        |b| b.iter(|| evaluate(black_box(&profile), black_box(on), &wages)),
    );
    // The most work a plan does: no single step closes 69 points, so the
    // routes try pairs of steps (issue 25's 45 y, 高中, 8 years, 8千).
    let far_short = Profile {
        age: 45,
        insurance_months: 96,
        ..Profile::default()
    };
    c.bench_function("evaluate a far-short profile (routes)", |b| {
        b.iter(|| evaluate(black_box(&far_short), black_box(on), &wages))
    });
    let settings = Settings::from_lookup(|_| None).expect("default settings");
    let site = hujifen::web::layout::Site::new(&settings);
    let token = "0123456789abcdef0123456789abcdef";
    c.bench_function("render the result page", |b| {
        b.iter(|| {
            ResultPage::new(
                black_box(Some(token)),
                black_box(&assessment),
                &profile,
                &settings,
                &site,
            )
            .render()
        })
    });
    c.bench_function("render the empty form", |b| {
        b.iter(|| FormPage::new(&settings, &site, &RawAnswers::new(), &Default::default()).render())
    });
}

criterion_group!(scoring, benches);
criterion_main!(scoring);
