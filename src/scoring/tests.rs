//! The engine against RULES.md: every indicator, every boundary, every worked
//! example of §8, and the invariants as property tests.

use proptest::prelude::*;
use time::macros::date;

use super::*;
use crate::scoring::school::ChildGrade;

const ON: time::Date = date!(2026 - 11 - 28);

fn base() -> Profile {
    Profile {
        age: 30,
        education: Education::None,
        ..Profile::default()
    }
}

fn run(profile: &Profile) -> Assessment {
    assess(profile, ON, &ReferenceWages::bundled())
}

fn points(assessment: &Assessment, code: &str) -> Option<i32> {
    assessment.item(code).map(|item| item.points)
}

fn codes(assessment: &Assessment) -> Vec<&str> {
    assessment
        .items
        .iter()
        .map(|item| item.code.as_str())
        .collect()
}

#[test]
fn worked_examples_of_rules_section_8() {
    let wages = ReferenceWages::bundled();
    let cases: Vec<(&str, Profile, i32)> = vec![
        (
            "30 y, 本科+学士, 24 months, base < 0.8×",
            Profile {
                age: 30,
                education: Education::BachelorDegree,
                insurance_months: 24,
                ..base()
            },
            126,
        ),
        (
            "44 y, 本科 no degree, 36 months all at 1.5×",
            Profile {
                age: 44,
                education: Education::Bachelor,
                insurance_months: 36,
                contribution_tier: ContributionTier::X1,
                ..base()
            },
            148,
        ),
        (
            "50 y, 大专, 中级职称 but base never ≥ 1×, 96 months at 0.9×",
            Profile {
                age: 50,
                education: Education::College,
                qualification: Qualification::IntermediateTitle,
                qualification_base_met: false,
                insurance_months: 96,
                contribution_tier: ContributionTier::X0_8,
                ..base()
            },
            116,
        ),
        (
            "same, base 1.2× for the last 48 months",
            Profile {
                age: 50,
                education: Education::College,
                qualification: Qualification::IntermediateTitle,
                qualification_base_met: true,
                insurance_months: 96,
                contribution_tier: ContributionTier::X1,
                ..base()
            },
            191,
        ),
        (
            "28 y, 大专 in the shortage list, 48 months at 0.7×",
            Profile {
                age: 28,
                education: Education::College,
                shortage_major: true,
                insurance_months: 48,
                ..base()
            },
            122,
        ),
        (
            "33 y, 本科+学士, 36 months, one detention",
            Profile {
                age: 33,
                education: Education::BachelorDegree,
                insurance_months: 36,
                detention_count: 1,
                ..base()
            },
            79,
        ),
        (
            "45 y, 本科, 120 months, one 一般刑事犯罪",
            Profile {
                age: 45,
                education: Education::Bachelor,
                insurance_months: 120,
                criminal_count: 1,
                ..base()
            },
            0,
        ),
        (
            "43 y, 大专, 156 months at < 0.8×",
            Profile {
                age: 43,
                education: Education::College,
                insurance_months: 156,
                ..base()
            },
            119,
        ),
        (
            "44 y, 大专, 156 months at < 0.8×",
            Profile {
                age: 44,
                education: Education::College,
                insurance_months: 156,
                ..base()
            },
            118,
        ),
        (
            "35 y, 大专, 60 months, 2 full years in 临港新片区 (assessed 2026)",
            Profile {
                age: 35,
                education: Education::College,
                insurance_months: 60,
                lingang_years: 2,
                ..base()
            },
            99,
        ),
        (
            "40 y, 高中, shortage_major and fresh_graduate claimed, 120 months",
            Profile {
                age: 40,
                education: Education::None,
                shortage_major: true,
                fresh_graduate: true,
                insurance_months: 120,
                ..base()
            },
            60,
        ),
    ];
    for (name, profile, total) in cases {
        let assessment = assess(&profile, ON, &wages);
        assert_eq!(assessment.total, total, "{name}: {:#?}", assessment.items);
        assert_eq!(assessment.reaches_standard, total >= 120, "{name}");
        assert_eq!(assessment.gap, (120 - total).max(0), "{name}");
    }
}

#[test]
fn the_lingang_example_before_2024_08_21_scores_95() {
    let profile = Profile {
        age: 35,
        education: Education::College,
        insurance_months: 60,
        lingang_years: 2,
        ..base()
    };
    let wages = ReferenceWages::bundled();
    let before = assess(&profile, date!(2024 - 08 - 20), &wages);
    assert_eq!(before.total, 95);
    assert_eq!(before.rules_revision, "2023-07-01");
    assert!(before.item("lingang").unwrap().note.contains("满3年起"));
    let after = assess(&profile, date!(2024 - 08 - 21), &wages);
    assert_eq!(after.total, 99);
    assert_eq!(after.rules_revision, "2024-08-21");
}

#[test]
fn lingang_years_before_and_after_2024_08_21() {
    let wages = ReferenceWages::bundled();
    for (years, before, after) in [(1, 0, 2), (2, 0, 4), (3, 6, 6), (10, 20, 20), (11, 20, 20)] {
        let profile = Profile {
            lingang_years: years,
            ..base()
        };
        let old = assess(&profile, date!(2024 - 08 - 20), &wages);
        let new = assess(&profile, date!(2024 - 08 - 21), &wages);
        assert_eq!(points(&old, "lingang"), Some(before), "{years} before");
        assert_eq!(points(&new, "lingang"), Some(after), "{years} after");
    }
}

#[test]
fn bonuses_that_need_a_college_degree_say_why_they_score_0() {
    let high_school = Profile {
        age: 40,
        shortage_major: true,
        fresh_graduate: true,
        insurance_months: 120,
        ..base()
    };
    let a = run(&high_school);
    for code in ["shortage_major", "fresh_graduate"] {
        let item = a.item(code).unwrap();
        assert_eq!(item.points, 0, "{code}");
        assert!(item.note.contains("大专及以上"), "{code}: {}", item.note);
    }
    let college = run(&Profile {
        education: Education::College,
        ..high_school
    });
    assert_eq!(points(&college, "shortage_major"), Some(30));
    assert_eq!(points(&college, "fresh_graduate"), Some(10));
    assert!(
        college
            .item("fresh_graduate")
            .unwrap()
            .note
            .contains("毕业当年或次年")
    );
}

#[test]
fn notes_carry_the_practice_of_2026() {
    let a = run(&Profile {
        education: Education::Bachelor,
        family_planning_violation: true,
        ..base()
    });
    assert!(a.item("education").unwrap().note.contains("非全日制"));
    assert!(a.item("education").unwrap().note.contains("三地一致"));
    assert!(
        a.item("family_planning")
            .unwrap()
            .note
            .contains("2023年起施行的办法已删除此项")
    );
    let employer = a.eligibility.iter().find(|n| n.code == "employer").unwrap();
    for words in [
        "个体工商户",
        "驻沪办事机构",
        "分支机构",
        "以受理部门为准",
        "个税",
        "劳动合同",
    ] {
        assert!(employer.note.contains(words), "{words}");
    }
    let none = run(&base());
    assert!(!none.item("education").unwrap().note.contains("非全日制"));
}

#[test]
fn worked_example_breakdowns_match_the_rules_text() {
    // 50 y, 大专, 中级职称 without the base condition: 17 + 50 + 24 + 25.
    let a = run(&Profile {
        age: 50,
        education: Education::College,
        qualification: Qualification::IntermediateTitle,
        insurance_months: 96,
        contribution_tier: ContributionTier::X0_8,
        ..base()
    });
    assert_eq!(
        codes(&a),
        [
            "age",
            "education",
            "qualification",
            "insurance_years",
            "contribution_base"
        ]
    );
    assert_eq!(points(&a, "age"), Some(17));
    assert_eq!(points(&a, "education"), Some(50));
    assert_eq!(points(&a, "qualification"), Some(0));
    assert!(a.item("qualification").unwrap().note.contains("条件未满足"));
    assert!(
        a.item("qualification")
            .unwrap()
            .note
            .contains("按教育背景计分")
    );
    assert_eq!(points(&a, "insurance_years"), Some(24));
    assert_eq!(points(&a, "contribution_base"), Some(25));

    // 45 y, 本科, 120 months, one crime: 27 + 60 + 30 − 150, floored.
    let a = run(&Profile {
        age: 45,
        education: Education::Bachelor,
        insurance_months: 120,
        criminal_count: 1,
        ..base()
    });
    assert_eq!(points(&a, "criminal"), Some(-150));
    let sum: i32 = a.items.iter().map(|i| i.points).sum();
    assert_eq!(sum, -33);
    assert_eq!(a.total, 0);
}

#[test]
fn age_boundaries() {
    for (age, expected, eligible_age) in [
        (16, 0, false),
        (17, 0, false),
        (18, 30, true),
        (43, 30, true),
        (44, 29, true),
        (55, 7, true),
        (56, 5, true),
        (60, 5, true),
        (61, 0, false),
        (100, 0, false),
    ] {
        let a = run(&Profile { age, ..base() });
        assert_eq!(points(&a, "age"), Some(expected), "age {age}");
        let note = a.eligibility.iter().find(|n| n.code == "age").unwrap();
        assert_eq!(note.met, Some(eligible_age), "age {age}");
    }
    // Outside 18–60 is never eligible, whatever the score.
    let rich = Profile {
        age: 61,
        education: Education::Doctor,
        insurance_months: 240,
        contribution_tier: ContributionTier::X3,
        ..base()
    };
    let a = run(&rich);
    assert!(a.reaches_standard);
    assert!(!a.eligible);
    assert!(
        run(&Profile {
            age: 60,
            ..rich.clone()
        })
        .eligible
    );
}

#[test]
fn education_table() {
    for (education, expected) in [
        (Education::None, 0),
        (Education::College, 50),
        (Education::Bachelor, 60),
        (Education::BachelorDegree, 90),
        (Education::Master, 100),
        (Education::Doctor, 110),
    ] {
        assert_eq!(
            points(
                &run(&Profile {
                    education,
                    ..base()
                }),
                "education"
            ),
            Some(expected)
        );
    }
}

#[test]
fn qualification_table_with_and_without_base_condition() {
    for (qualification, expected, needs_base) in [
        (Qualification::None, 0, false),
        (Qualification::Skill5, 15, false),
        (Qualification::Skill4, 30, false),
        (Qualification::Skill3, 60, false),
        (Qualification::Skill2, 100, true),
        (Qualification::Skill1, 140, true),
        (Qualification::IntermediateTitle, 100, true),
        (Qualification::SeniorTitle, 140, true),
    ] {
        let met = run(&Profile {
            qualification,
            qualification_base_met: true,
            insurance_months: 6,
            ..base()
        });
        assert_eq!(
            points(&met, "qualification"),
            Some(expected),
            "{qualification:?}"
        );
        let unmet = run(&Profile {
            qualification,
            qualification_base_met: false,
            ..base()
        });
        let unmet_points = if needs_base { 0 } else { expected };
        assert_eq!(
            points(&unmet, "qualification"),
            Some(unmet_points),
            "{qualification:?} unmet"
        );
        // With fewer than 6 months paid the base condition cannot hold,
        // whatever was answered (RULES.md §2).
        let too_few = run(&Profile {
            qualification,
            qualification_base_met: true,
            insurance_months: 5,
            ..base()
        });
        assert_eq!(
            points(&too_few, "qualification"),
            Some(unmet_points),
            "{qualification:?} with 5 months"
        );
        if needs_base {
            let note = &too_few.item("qualification").unwrap().note;
            assert!(
                note.contains("社保只交了5个月") && note.contains("再缴1个月"),
                "{note}"
            );
        }
    }
}

#[test]
fn education_and_qualification_count_once_the_larger() {
    // Title larger: education shows but scores 0.
    let a = run(&Profile {
        education: Education::BachelorDegree,
        qualification: Qualification::SeniorTitle,
        qualification_base_met: true,
        insurance_months: 12,
        ..base()
    });
    assert_eq!(points(&a, "education"), Some(0));
    assert_eq!(points(&a, "qualification"), Some(140));
    assert!(a.item("education").unwrap().note.contains("只取其一"));
    // Education larger: the skill level shows but scores 0.
    let a = run(&Profile {
        education: Education::BachelorDegree,
        qualification: Qualification::Skill3,
        ..base()
    });
    assert_eq!(points(&a, "education"), Some(90));
    assert_eq!(points(&a, "qualification"), Some(0));
    // A tie counts once.
    let a = run(&Profile {
        education: Education::Master,
        qualification: Qualification::IntermediateTitle,
        qualification_base_met: true,
        insurance_months: 12,
        ..base()
    });
    assert_eq!(
        points(&a, "education").unwrap() + points(&a, "qualification").unwrap(),
        100
    );
}

#[test]
fn insurance_years_boundaries() {
    for (months, expected) in [
        (0, 0),
        (11, 0),
        (12, 3),
        (23, 3),
        (24, 6),
        (35, 6),
        (36, 9),
        (600, 150),
    ] {
        let a = run(&Profile {
            insurance_months: months,
            ..base()
        });
        assert_eq!(
            points(&a, "insurance_years"),
            Some(expected),
            "{months} months"
        );
    }
}

#[test]
fn contribution_tiers() {
    let a = run(&base());
    assert_eq!(
        points(&a, "contribution_base"),
        None,
        "not claimed, not listed"
    );
    for (tier, expected, threshold) in [
        (ContributionTier::X0_8, 25, "9116.8"),
        (ContributionTier::X1, 50, "11396"),
        (ContributionTier::X2, 100, "22792"),
        (ContributionTier::X3, 120, "34188"),
    ] {
        let a = run(&Profile {
            contribution_tier: tier,
            insurance_months: 48,
            ..base()
        });
        assert_eq!(points(&a, "contribution_base"), Some(expected), "{tier:?}");
        assert!(
            a.item("contribution_base")
                .unwrap()
                .note
                .contains(threshold),
            "{tier:?}"
        );
        let note = &a.item("contribution_base").unwrap().note;
        assert!(!note.contains("上限"), "3× is not the cap: {note}");
    }
}

#[test]
fn the_reference_period_is_the_one_of_the_assessment_month() {
    let profile = Profile {
        contribution_tier: ContributionTier::X0_8,
        insurance_months: 36,
        ..base()
    };
    let wages = ReferenceWages::bundled();
    let a = assess(&profile, date!(2021 - 03 - 15), &wages);
    assert_eq!(a.reference_wage.as_ref().unwrap().yuan, 9339);
    assert!(a.item("contribution_base").unwrap().note.contains("7471.2"));
    let a = assess(&profile, date!(2017 - 03 - 15), &wages);
    assert_eq!(a.reference_wage, None);
    assert_eq!(points(&a, "contribution_base"), Some(25));
}

#[test]
fn single_bonus_items() {
    let cases: Vec<(Profile, &str, i32)> = vec![
        (
            Profile {
                entrepreneur: true,
                ..base()
            },
            "entrepreneur",
            120,
        ),
        (
            Profile {
                innovation_intermediary: true,
                ..base()
            },
            "innovation_intermediary",
            120,
        ),
        (
            Profile {
                education: Education::College,
                shortage_major: true,
                ..base()
            },
            "shortage_major",
            30,
        ),
        (
            Profile {
                shortage_major: true,
                ..base()
            },
            "shortage_major",
            0,
        ),
        (
            Profile {
                fresh_graduate: true,
                ..base()
            },
            "fresh_graduate",
            0,
        ),
        (
            Profile {
                education: Education::College,
                fresh_graduate: true,
                ..base()
            },
            "fresh_graduate",
            10,
        ),
        (
            Profile {
                award: Award::MunicipalSpecial,
                ..base()
            },
            "award",
            30,
        ),
        (
            Profile {
                award: Award::MunicipalComprehensive,
                ..base()
            },
            "award",
            60,
        ),
        (
            Profile {
                award: Award::Provincial,
                ..base()
            },
            "award",
            110,
        ),
    ];
    for (profile, code, expected) in cases {
        assert_eq!(
            points(&run(&profile), code),
            Some(expected),
            "{code} {profile:?}"
        );
    }
    let plain = run(&base());
    for code in [
        "entrepreneur",
        "innovation_intermediary",
        "shortage_major",
        "fresh_graduate",
        "award",
        "investment",
    ] {
        assert_eq!(points(&plain, code), None, "{code} not claimed");
    }
}

#[test]
fn investment_tax_or_hires_the_larger_capped() {
    for (tax, hires, expected) in [
        (9.99, 0.0, 0),
        (10.0, 0.0, 10),
        (19.9, 0.0, 10),
        (35.0, 0.0, 30),
        (0.0, 9.0, 0),
        (0.0, 10.0, 10),
        (0.0, 25.0, 20),
        (30.0, 50.0, 50),
        (50.0, 30.0, 50),
        (119.9, 0.0, 110),
        (120.0, 0.0, 120),
        (130.0, 0.0, 120),
        (0.0, 1000.0, 120),
        (100000.0, 100000.0, 120),
    ] {
        let a = run(&Profile {
            tax_avg_wan: tax,
            local_hires_avg: hires,
            ..base()
        });
        assert_eq!(
            points(&a, "investment"),
            Some(expected),
            "tax {tax} hires {hires}"
        );
    }
}

#[test]
fn year_counted_items_at_their_thresholds_and_caps() {
    for (years, expected) in [(1, 0), (4, 0), (5, 20), (6, 24), (40, 160)] {
        let a = run(&Profile {
            public_service_years: years,
            ..base()
        });
        assert_eq!(
            points(&a, "public_service"),
            Some(expected),
            "public service {years}"
        );
    }
    for (years, expected) in [(4, 0), (5, 10), (9, 18), (10, 20), (11, 20), (60, 20)] {
        let a = run(&Profile {
            suburb_years: years,
            ..base()
        });
        assert_eq!(points(&a, "suburb"), Some(expected), "suburb {years}");
    }
    // Under the revision in force on ON (2024-08-21): every full year counts.
    for (years, expected) in [(1, 2), (2, 4), (3, 6), (4, 8), (10, 20), (11, 20)] {
        let a = run(&Profile {
            lingang_years: years,
            ..base()
        });
        assert_eq!(points(&a, "lingang"), Some(expected), "lingang {years}");
    }
    for (years, expected) in [(1, 4), (9, 36), (10, 40), (11, 40), (80, 40)] {
        let a = run(&Profile {
            spouse_hukou_years: years,
            ..base()
        });
        assert_eq!(points(&a, "spouse_hukou"), Some(expected), "spouse {years}");
    }
    let a = run(&Profile {
        suburb_years: 4,
        ..base()
    });
    assert!(a.item("suburb").unwrap().note.contains("满5年起"));
}

#[test]
fn lingang_counts_instead_of_suburb() {
    let both = |suburb_years, lingang_years| {
        let a = run(&Profile {
            suburb_years,
            lingang_years,
            ..base()
        });
        (
            points(&a, "suburb").unwrap(),
            points(&a, "lingang").unwrap(),
        )
    };
    assert_eq!(both(5, 3), (10, 0), "suburb 10 beats lingang 6");
    assert_eq!(both(5, 8), (0, 16), "lingang 16 beats suburb 10");
    assert_eq!(both(5, 5), (0, 10), "a tie counts once");
    assert_eq!(both(4, 3), (0, 6), "suburb below its threshold");
    assert_eq!(both(12, 2), (20, 0), "suburb 20 beats lingang 4");
    assert_eq!(both(30, 30), (0, 20), "both capped, once");
}

#[test]
fn deductions_add_up() {
    let a = run(&Profile {
        false_material_count: 2,
        detention_count: 3,
        criminal_count: 1,
        ..base()
    });
    assert_eq!(points(&a, "false_material"), Some(-300));
    assert_eq!(points(&a, "detention"), Some(-150));
    assert_eq!(points(&a, "criminal"), Some(-150));
    assert_eq!(a.total, 0);
    let a = run(&Profile {
        education: Education::Doctor,
        insurance_months: 120,
        detention_count: 1,
        ..base()
    });
    assert_eq!(a.total, 30 + 110 + 30 - 50);
}

#[test]
fn veto_items_block_eligibility_but_keep_the_breakdown() {
    let rich = Profile {
        education: Education::Doctor,
        insurance_months: 120,
        contribution_tier: ContributionTier::X2,
        ..base()
    };
    let ok = run(&rich);
    assert!(ok.reaches_standard && ok.eligible && !ok.vetoed);
    // The family-planning veto holds under the 2017 text only.
    let under_2017 =
        |profile: &Profile| assess(profile, date!(2022 - 12 - 31), &ReferenceWages::bundled());
    for a in [
        run(&Profile {
            serious_criminal: true,
            ..rich.clone()
        }),
        under_2017(&Profile {
            family_planning_violation: true,
            ..rich.clone()
        }),
    ] {
        let ok = under_2017(&rich);
        assert!(a.vetoed);
        assert!(a.reaches_standard, "the score alone still reaches 120");
        assert!(!a.eligible);
        assert_eq!(a.total, ok.total, "a veto is not a deduction");
        assert!(a.items.len() > ok.items.len());
    }
    let a = under_2017(&Profile {
        serious_criminal: true,
        family_planning_violation: true,
        ..rich.clone()
    });
    assert_eq!(
        &codes(&a)[codes(&a).len() - 2..],
        ["serious_criminal", "family_planning"]
    );
}

#[test]
fn the_family_planning_veto_was_removed_from_2023() {
    let wages = ReferenceWages::bundled();
    // RULES.md §8: 31 y, 本科+学士, 36 months, family_planning sent as true (2026).
    let profile = Profile {
        age: 31,
        education: Education::BachelorDegree,
        insurance_months: 36,
        family_planning_violation: true,
        ..base()
    };
    for on in [date!(2023 - 01 - 01), date!(2026 - 12 - 07)] {
        let a = evaluate(&profile, on, &wages);
        assert_eq!(a.total, 129, "{on}");
        assert!(!a.vetoed && a.eligible && a.blockers.is_empty(), "{on}");
        assert_eq!(a.verdict, Verdict::Reached, "{on}");
        let item = a.item("family_planning").unwrap();
        assert_eq!(item.points, 0);
        assert!(
            item.note.contains("2023年起施行的办法已删除此项"),
            "{}",
            item.note
        );
        assert_eq!(a.projection.months, Some(0));
    }
    let before = evaluate(&profile, date!(2022 - 12 - 31), &wages);
    assert!(before.vetoed && !before.eligible);
    assert_eq!(before.verdict, Verdict::Blocked);
    assert_eq!(before.rules_revision, "2018-01-01");
    assert_eq!(before.projection, Projection::default());
}

#[test]
fn eligibility_conditions() {
    let reaching = Profile {
        education: Education::Doctor,
        insurance_months: 5,
        contribution_tier: ContributionTier::X1,
        ..base()
    };
    let a = run(&reaching);
    assert!(a.reaches_standard);
    assert!(!a.eligible, "fewer than 6 months of insurance");
    let insurance = a
        .eligibility
        .iter()
        .find(|n| n.code == "insurance")
        .unwrap();
    assert_eq!(insurance.met, Some(false));
    let a = run(&Profile {
        insurance_months: 6,
        ..reaching
    });
    assert!(a.eligible);
    let unknown: Vec<_> = a
        .eligibility
        .iter()
        .filter(|n| n.met.is_none())
        .map(|n| n.code.as_str())
        .collect();
    assert_eq!(unknown, ["insurance", "residence_permit", "employer"]);
    let low = run(&Profile {
        insurance_months: 24,
        ..base()
    });
    assert!(!low.reaches_standard && !low.eligible);
}

#[test]
fn items_follow_the_order_of_the_rules() {
    let a = run(&Profile {
        entrepreneur: true,
        innovation_intermediary: true,
        education: Education::College,
        shortage_major: true,
        tax_avg_wan: 10.0,
        contribution_tier: ContributionTier::X1,
        public_service_years: 5,
        suburb_years: 5,
        lingang_years: 3,
        fresh_graduate: true,
        award: Award::Provincial,
        spouse_hukou_years: 1,
        false_material_count: 1,
        detention_count: 1,
        criminal_count: 1,
        serious_criminal: true,
        family_planning_violation: true,
        ..base()
    });
    assert_eq!(
        codes(&a),
        [
            "age",
            "education",
            "qualification",
            "insurance_years",
            "entrepreneur",
            "innovation_intermediary",
            "shortage_major",
            "investment",
            "contribution_base",
            "public_service",
            "suburb",
            "lingang",
            "fresh_graduate",
            "award",
            "spouse_hukou",
            "false_material",
            "detention",
            "criminal",
            "serious_criminal",
            "family_planning",
        ]
    );
    assert!(
        a.items
            .iter()
            .all(|item| !item.label.is_empty() && !item.note.is_empty())
    );
    assert_eq!(a.rule_set, "sh-2017");
    assert_eq!(a.standard, 120);
}

#[test]
fn no_upper_cap_on_the_total() {
    let a = run(&Profile {
        education: Education::Doctor,
        entrepreneur: true,
        innovation_intermediary: true,
        insurance_months: 600,
        tax_avg_wan: 1000.0,
        contribution_tier: ContributionTier::X3,
        award: Award::Provincial,
        spouse_hukou_years: 20,
        ..base()
    });
    assert_eq!(a.total, 30 + 110 + 150 + 120 + 120 + 120 + 120 + 110 + 40);
}

fn any_profile() -> impl Strategy<Value = Profile> {
    let education = prop_oneof![
        Just(Education::None),
        Just(Education::College),
        Just(Education::Bachelor),
        Just(Education::BachelorDegree),
        Just(Education::Master),
        Just(Education::Doctor),
    ];
    let qualification = prop_oneof![
        Just(Qualification::None),
        Just(Qualification::Skill5),
        Just(Qualification::Skill4),
        Just(Qualification::Skill3),
        Just(Qualification::Skill2),
        Just(Qualification::Skill1),
        Just(Qualification::IntermediateTitle),
        Just(Qualification::SeniorTitle),
    ];
    let tier = prop_oneof![
        Just(ContributionTier::None),
        Just(ContributionTier::X0_8),
        Just(ContributionTier::X1),
        Just(ContributionTier::X2),
        Just(ContributionTier::X3),
    ];
    let award = prop_oneof![
        Just(Award::None),
        Just(Award::MunicipalSpecial),
        Just(Award::MunicipalComprehensive),
        Just(Award::Provincial),
    ];
    let basic = (
        16u32..=100,
        education,
        qualification,
        any::<bool>(),
        0u32..=600,
        tier,
    );
    let bonus = (
        any::<[bool; 4]>(),
        0.0f64..=2000.0,
        0.0f64..=2000.0,
        (0u32..=60, 0u32..=60, 0u32..=60, 0u32..=80),
        award,
    );
    let minus = (0u32..=3, 0u32..=3, 0u32..=3, any::<bool>(), any::<bool>());
    // The school planner's answers: they must never change the score.
    let child = (0usize..14, 2000i32..=2026, 1u8..=12, any::<bool>());
    (basic, bonus, minus, child).prop_map(
        |(
            (
                age,
                education,
                qualification,
                qualification_base_met,
                insurance_months,
                contribution_tier,
            ),
            (
                [
                    entrepreneur,
                    innovation_intermediary,
                    shortage_major,
                    fresh_graduate,
                ],
                tax,
                hires,
                years,
                award,
            ),
            (
                false_material_count,
                detention_count,
                criminal_count,
                serious_criminal,
                family_planning_violation,
            ),
            (grade, birth_year, birth_month, employer_registered),
        )| Profile {
            age,
            education,
            qualification,
            qualification_base_met,
            insurance_months,
            contribution_tier,
            entrepreneur,
            innovation_intermediary,
            shortage_major,
            fresh_graduate,
            tax_avg_wan: tax,
            local_hires_avg: hires,
            public_service_years: years.0,
            suburb_years: years.1,
            lingang_years: years.2,
            spouse_hukou_years: years.3,
            award,
            false_material_count,
            detention_count,
            criminal_count,
            serious_criminal,
            family_planning_violation,
            child_grade: ChildGrade::ALL[grade],
            child_birth: YearMonth::new(birth_year, birth_month),
            employer_registered,
            unknown: Default::default(),
        },
    )
}

/// Every way to add one bonus to a profile.
fn with_bonus(profile: &Profile, which: u8, amount: u32) -> Profile {
    let mut more = profile.clone();
    match which % 12 {
        0 => more.entrepreneur = true,
        1 => more.innovation_intermediary = true,
        2 => more.shortage_major = true,
        3 => more.fresh_graduate = true,
        4 => more.tax_avg_wan += f64::from(amount),
        5 => more.local_hires_avg += f64::from(amount),
        6 => more.public_service_years = (more.public_service_years + amount).min(60),
        7 => more.suburb_years = (more.suburb_years + amount).min(60),
        8 => more.lingang_years = (more.lingang_years + amount).min(60),
        9 => more.spouse_hukou_years = (more.spouse_hukou_years + amount).min(80),
        10 => {
            more.contribution_tier = match more.contribution_tier {
                ContributionTier::None => ContributionTier::X0_8,
                ContributionTier::X0_8 => ContributionTier::X1,
                ContributionTier::X1 => ContributionTier::X2,
                ContributionTier::X2 | ContributionTier::X3 => ContributionTier::X3,
            }
        }
        _ => {
            more.award = match more.award {
                Award::None => Award::MunicipalSpecial,
                Award::MunicipalSpecial => Award::MunicipalComprehensive,
                Award::MunicipalComprehensive | Award::Provincial => Award::Provincial,
            }
        }
    }
    more
}

proptest! {
    #[test]
    fn total_is_the_floored_sum_of_the_items(profile in any_profile()) {
        let a = run(&profile);
        let sum: i32 = a.items.iter().map(|item| item.points).sum();
        prop_assert_eq!(a.total, sum.max(0));
        prop_assert!(a.total >= 0);
        prop_assert_eq!(a.reaches_standard, a.total >= 120);
        prop_assert_eq!(a.gap, (120 - a.total).max(0));
    }

    #[test]
    fn caps_hold(profile in any_profile()) {
        let a = run(&profile);
        for (code, cap) in [("suburb", 20), ("lingang", 20), ("spouse_hukou", 40), ("investment", 120)] {
            if let Some(points) = points(&a, code) {
                prop_assert!((0..=cap).contains(&points), "{} = {}", code, points);
            }
        }
        let counted = points(&a, "suburb").unwrap_or(0).min(1) + points(&a, "lingang").unwrap_or(0).min(1);
        prop_assert!(counted <= 1, "suburb and lingang never both count");
        let choice = points(&a, "education").unwrap_or(0).min(1) + points(&a, "qualification").unwrap_or(0).min(1);
        prop_assert!(choice <= 1, "education and qualification never both count");
        prop_assert!(a.items.iter().filter(|i| i.points < 0).all(|i| ["false_material", "detention", "criminal"].contains(&i.code.as_str())));
    }

    #[test]
    fn a_bonus_never_lowers_the_total(profile in any_profile(), which in 0u8..12, amount in 1u32..=30) {
        let before = run(&profile).total;
        let after = run(&with_bonus(&profile, which, amount)).total;
        prop_assert!(after >= before, "{} -> {}", before, after);
    }

    #[test]
    fn vetoed_is_never_eligible(profile in any_profile()) {
        let a = run(&profile);
        // ON is under the 2023 text: only a serious criminal record vetoes.
        prop_assert_eq!(a.vetoed, profile.serious_criminal);
        if a.vetoed {
            prop_assert!(!a.eligible);
        }
        if a.eligible {
            prop_assert!(a.reaches_standard);
        }
    }

    #[test]
    fn the_assessment_survives_a_json_round_trip(profile in any_profile()) {
        let a = run(&profile);
        let json = serde_json::to_string(&a).unwrap();
        let back: Assessment = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, a);
    }
}

#[test]
fn a_result_stored_before_revisions_replays_as_it_was_seen() {
    let profile = Profile {
        age: 30,
        fresh_graduate: true,
        lingang_years: 2,
        insurance_months: 24,
        ..base()
    };
    let wages = ReferenceWages::bundled();
    let recorded = |revision: Option<&str>| Recorded {
        rule_set: "sh-2017".into(),
        assessed_on: date!(2025 - 03 - 01),
        reference_wage: None,
        rules_revision: revision.map(String::from),
    };
    // The previous release gave 应届生 10 with 高中 and counted 临港 from 3 years.
    let old = replay(&profile, &recorded(None), &wages);
    assert_eq!(points(&old, "fresh_graduate"), Some(10));
    assert_eq!(points(&old, "lingang"), Some(0));
    assert_eq!(old.rules_revision, "2018-01-01");
    let now = replay(&profile, &recorded(Some("2024-08-21")), &wages);
    assert_eq!(points(&now, "fresh_graduate"), Some(0));
    assert_eq!(points(&now, "lingang"), Some(4));
}

#[test]
fn a_result_says_when_later_rules_or_wages_apply() {
    let wages = ReferenceWages::bundled();
    let today = date!(2026 - 12 - 02);
    let fresh = assess(&base(), today, &wages);
    assert_eq!(fresh.outdated(&wages, today), None);
    let before_lingang = assess(&base(), date!(2024 - 01 - 15), &wages);
    let reason = before_lingang.outdated(&wages, today).unwrap();
    assert!(
        reason.contains("2024年8月21日") && reason.contains("临港"),
        "{reason}"
    );
    let mut old_wage = fresh.clone();
    if let Some(used) = old_wage.reference_wage.as_mut() {
        used.yuan = 12434;
    }
    let reason = old_wage.outdated(&wages, today).unwrap();
    assert!(
        reason.contains("12434") && reason.contains("11396"),
        "{reason}"
    );
}

/// RULES.md §3: a tier needs its months. The profiles a visitor entered
/// through the form, each once scored as reaching 120 (issue 25).
#[test]
fn a_tier_the_months_cannot_carry_does_not_count() {
    let wages = ReferenceWages::bundled();
    let on = date!(2026 - 12 - 07);
    // 35 y, 大专, 10 months, a base of 3× or more: 80, not 200.
    let ten_months = Profile {
        age: 35,
        education: Education::College,
        insurance_months: 10,
        contribution_tier: ContributionTier::X3,
        ..base()
    };
    let a = evaluate(&ten_months, on, &wages);
    assert_eq!(a.total, 80);
    assert_eq!(a.verdict, Verdict::Short);
    let item = a.item("contribution_base").unwrap();
    assert_eq!(item.points, 0);
    for words in [
        "社保只交了10个月",
        "累计24个月",
        "再缴14个月",
        "2028年2月",
        "120分",
    ] {
        assert!(item.note.contains(words), "{words}: {}", item.note);
    }
    // The projection adds the tier in the month the months allow.
    assert_eq!(a.projection.months, Some(14));
    assert_eq!(
        a.projection.reaches_standard_on,
        Some("2028-02".parse().unwrap())
    );
    assert_eq!(a.suggestions[0].code, "time");
    assert!(a.suggestions[0].closes);

    // 28 y, 本科+学士, 24 months, 1×: 126, not 176.
    let a = run(&Profile {
        age: 28,
        education: Education::BachelorDegree,
        insurance_months: 24,
        contribution_tier: ContributionTier::X1,
        ..base()
    });
    assert_eq!((a.total, points(&a, "contribution_base")), (126, Some(0)));
    assert!(
        a.item("contribution_base")
            .unwrap()
            .note
            .contains("累计36个月")
    );

    // 26 y, 应届硕士, 0 months, 0.8×: 140, not 165.
    let a = run(&Profile {
        age: 26,
        education: Education::Master,
        fresh_graduate: true,
        contribution_tier: ContributionTier::X0_8,
        ..base()
    });
    assert_eq!(a.total, 140);
    assert_eq!(points(&a, "contribution_base"), Some(0));

    // With 24 to 35 months only 3× can count; from 36 every tier.
    for (months, tier, expected) in [
        (23, ContributionTier::X3, 0),
        (24, ContributionTier::X3, 120),
        (35, ContributionTier::X2, 0),
        (36, ContributionTier::X2, 100),
        (36, ContributionTier::X0_8, 25),
    ] {
        let a = run(&Profile {
            insurance_months: months,
            contribution_tier: tier,
            ..base()
        });
        assert_eq!(
            points(&a, "contribution_base"),
            Some(expected),
            "{months} {tier:?}"
        );
    }
}

#[test]
fn an_unknown_tier_ranges_only_over_what_the_months_carry() {
    let unknown_tier = |months| Profile {
        age: 30,
        education: Education::College,
        insurance_months: months,
        unknown: Unknowns {
            contribution_tier: true,
            ..Unknowns::default()
        },
        ..base()
    };
    let a = run(&unknown_tier(10));
    assert_eq!(
        (a.total_min, a.total_max),
        (80, 80),
        "no tier with 10 months"
    );
    assert!(
        a.item("contribution_base")
            .unwrap()
            .note
            .contains("社保只交了10个月")
    );
    let a = run(&unknown_tier(24));
    assert_eq!((a.total_min, a.total_max), (86, 206), "3× from 24 months");
}

#[test]
fn a_result_past_the_verified_month_says_the_figure_is_assumed() {
    let wages = ReferenceWages::bundled();
    let june = assess(&base(), date!(2026 - 06 - 30), &wages);
    assert_eq!(june.wage_unverified(), None);
    let july = assess(&base(), date!(2026 - 07 - 01), &wages);
    let line = july.wage_unverified().unwrap();
    assert!(
        line.contains("2026年7月") && line.contains("11396"),
        "{line}"
    );
    let json = serde_json::to_value(&july).unwrap();
    assert_eq!(json["reference_wage"]["verified_to"], "2026-06");
    assert_eq!(json["reference_wage"]["from"], "2023-07");
    assert_eq!(json["reference_wage"]["yuan"], 11396);
}

#[test]
fn a_document_the_total_depends_on_is_named() {
    let a = run(&Profile {
        age: 35,
        education: Education::College,
        insurance_months: 120,
        lingang_years: 5,
        ..base()
    });
    // 30 + 50 + 30 + 10 = 120, 110 without the 推荐函.
    assert_eq!(a.total, 120);
    let dependency = &a.depends_on[0];
    assert_eq!(dependency.code, "lingang");
    assert!(dependency.document.contains("推荐函"));
    assert_eq!((dependency.points, dependency.total_without), (10, 110));
    assert!(run(&base()).depends_on.is_empty());
}

/// RULES.md written out again, independently of the engine's tables and
/// notes: the total of a profile assessed on `ON` (the 2023 text, 临港
/// from the first year).
fn reference_total(p: &Profile) -> i32 {
    let months = p.insurance_months;
    let age = match p.age {
        18..=43 => 30,
        44..=55 => 5 + 2 * (56 - p.age as i32),
        56..=60 => 5,
        _ => 0,
    };
    let education = match p.education {
        Education::None => 0,
        Education::College => 50,
        Education::Bachelor => 60,
        Education::BachelorDegree => 90,
        Education::Master => 100,
        Education::Doctor => 110,
    };
    let base_met = p.qualification_base_met && months >= 6;
    let qualification = match p.qualification {
        Qualification::None => 0,
        Qualification::Skill5 => 15,
        Qualification::Skill4 => 30,
        Qualification::Skill3 => 60,
        Qualification::Skill2 | Qualification::IntermediateTitle if base_met => 100,
        Qualification::Skill1 | Qualification::SeniorTitle if base_met => 140,
        _ => 0,
    };
    let tier = match p.contribution_tier {
        ContributionTier::X0_8 if months >= 36 => 25,
        ContributionTier::X1 if months >= 36 => 50,
        ContributionTier::X2 if months >= 36 => 100,
        ContributionTier::X3 if months >= 24 => 120,
        _ => 0,
    };
    let college = p.education != Education::None;
    let steps = |value: f64| ((value / 10.0).floor() as i32 * 10).min(120);
    let public = if p.public_service_years >= 5 {
        4 * p.public_service_years as i32
    } else {
        0
    };
    let suburb = if p.suburb_years >= 5 {
        (2 * p.suburb_years as i32).min(20)
    } else {
        0
    };
    let lingang = (2 * p.lingang_years as i32).min(20);
    let award = match p.award {
        Award::None => 0,
        Award::MunicipalSpecial => 30,
        Award::MunicipalComprehensive => 60,
        Award::Provincial => 110,
    };
    let sum = age
        + education.max(qualification)
        + 3 * (months / 12) as i32
        + 120 * i32::from(p.entrepreneur)
        + 120 * i32::from(p.innovation_intermediary)
        + if p.shortage_major && college { 30 } else { 0 }
        + steps(p.tax_avg_wan).max(steps(p.local_hires_avg))
        + tier
        + public
        + suburb.max(lingang)
        + if p.fresh_graduate && college { 10 } else { 0 }
        + award
        + (4 * p.spouse_hukou_years as i32).min(40)
        - 150 * p.false_material_count as i32
        - 50 * p.detention_count as i32
        - 150 * p.criminal_count as i32;
    sum.max(0)
}

proptest! {
    #[test]
    fn the_engine_agrees_with_the_rules_written_out_again(profile in any_profile()) {
        prop_assert_eq!(run(&profile).total, reference_total(&profile), "{:?}", profile);
    }

    #[test]
    fn no_item_claims_what_the_months_cannot_carry(profile in any_profile()) {
        let a = run(&profile);
        let months = profile.insurance_months;
        let tier = points(&a, "contribution_base").unwrap_or(0);
        prop_assert!(months >= 24 || tier == 0, "{} months, tier {}", months, tier);
        prop_assert!(months >= 36 || tier == 0 || tier == 120, "{} months, tier {}", months, tier);
        if tables::qualification_needs_base(profile.qualification) && months < 6 {
            prop_assert_eq!(points(&a, "qualification"), Some(0));
        }
    }

    #[test]
    fn more_months_paid_never_lower_the_total(profile in any_profile(), more in 1u32..=48) {
        let later = Profile { insurance_months: profile.insurance_months + more, ..profile.clone() };
        prop_assert!(run(&later).total >= run(&profile).total);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// What the plan says can be checked against the engine: a step that
    /// closes the gap needs nothing else, a title without the base never
    /// closes alone, a tier waits for its months, a route reaches 120, and
    /// the projected month is the first that does.
    #[test]
    fn the_plan_never_promises_what_the_rules_would_not_give(profile in any_profile()) {
        let profile = Profile { age: profile.age.clamp(18, 60), serious_criminal: false, ..profile };
        let a = evaluate(&profile, ON, &ReferenceWages::bundled());
        for s in &a.suggestions {
            prop_assert!(s.points > 0);
            prop_assert!(!s.closes || s.needs.is_empty(), "{:?}", s);
            if let Some(tier) = s.code.strip_prefix("contribution_") {
                let tier = ContributionTier::from_code(tier).unwrap();
                prop_assert!(s.months >= tables::tier_months_required(tier), "{:?}", s);
            }
            let title = ["qualification_skill_2", "qualification_intermediate_title", "qualification_senior_title"];
            if title.contains(&s.code.as_str()) && !profile.qualification_base_met {
                prop_assert!(!s.closes && !s.needs.is_empty(), "{:?}", s);
                prop_assert!(s.months >= 6, "{:?}", s);
            }
        }
        if !a.routes.is_empty() {
            prop_assert!(a.suggestions.iter().all(|s| !s.closes || s.code == "time"));
        }
        let last = plan::months_before_61(&profile);
        for route in &a.routes {
            prop_assert!(route.total >= 120 && route.steps.len() >= 2, "{:?}", route);
            prop_assert!(route.months <= last, "past 60: {:?}", route);
            prop_assert!(a.projection.months.is_none_or(|m| route.months < m), "{:?}", route);
        }
        for s in &a.suggestions {
            prop_assert!(s.months <= last, "past 60: {:?}", s);
        }
        if let Some(months) = a.projection.months.filter(|m| *m > 0) {
            let at = |m| assess(&plan::profile_after(&profile, m), ON, &ReferenceWages::bundled()).total;
            prop_assert!(at(months) >= 120);
            prop_assert!(at(months - 1) < 120);
        }
    }
}

/// What the review of issue 25 found the plan could still say.
#[test]
fn the_plan_stays_within_the_age_and_the_graduate_year() {
    let wages = ReferenceWages::bundled();
    // 58 y, 高中, 120 months: 9 + 30 = 39 (age 58: 5). Nothing may count on
    // a month past 60 (24 months at most, by the cautious age).
    let old = Profile {
        age: 58,
        insurance_months: 120,
        ..base()
    };
    let a = evaluate(&old, ON, &wages);
    assert!(
        a.suggestions.iter().all(|s| s.months <= 24),
        "{:#?}",
        a.suggestions
    );
    assert!(a.routes.iter().all(|r| r.months <= 24), "{:#?}", a.routes);
    // 60 y, 大专, 1×, 49 months: 5 + 50 + 12 + 50 = 117; a year on, 61.
    let sixty = Profile {
        age: 60,
        education: Education::College,
        insurance_months: 49,
        contribution_tier: ContributionTier::X1,
        ..base()
    };
    let a = evaluate(&sixty, ON, &wages);
    assert_eq!(a.total, 117);
    assert_eq!(
        a.projection,
        Projection::default(),
        "61 by the next full year"
    );
    // 24 y, 应届 大专, 0 months: 30 + 50 + 10 = 90; 应届 does not last, so
    // 120 comes with 14 years of 社保 (30 + 50 + 42), not 10.
    let graduate = Profile {
        age: 24,
        education: Education::College,
        fresh_graduate: true,
        ..base()
    };
    assert_eq!(evaluate(&graduate, ON, &wages).projection.months, Some(168));
}

#[test]
fn an_unknown_shortage_answer_is_not_listed_for_high_school() {
    let unknown = Unknowns {
        shortage_major: true,
        ..Unknowns::default()
    };
    let school = evaluate(
        &Profile {
            unknown,
            insurance_months: 24,
            ..base()
        },
        ON,
        &ReferenceWages::bundled(),
    );
    assert_eq!(points(&school, "shortage_major"), None);
    assert!(school.materials.iter().all(|g| g.code != "shortage_major"));
    let college = run(&Profile {
        unknown,
        education: Education::College,
        ..base()
    });
    assert!(
        college
            .item("shortage_major")
            .unwrap()
            .note
            .contains("可加30分")
    );
}

#[test]
fn without_the_recommendation_letter_the_suburb_years_count_again() {
    // 35 y, 大专, 120 months, 8 years 远郊 (16) and 10 in 临港 (20).
    let a = run(&Profile {
        age: 35,
        education: Education::College,
        insurance_months: 120,
        suburb_years: 8,
        lingang_years: 10,
        ..base()
    });
    assert_eq!(a.total, 30 + 50 + 30 + 20);
    let letter = &a.depends_on[0];
    assert_eq!(
        (letter.points, letter.total_without),
        (20, 30 + 50 + 30 + 16)
    );
}
