//! The advisors' workspace over HTTP: login, sessions, roles, masking, the
//! audit of reveals, lead actions, CSV export, and refusals.

use reqwest::{Client, Response};

use crate::helpers::admin::{
    add_advisor, add_named_advisor, advisor_id, csrf, get, insert_lead, minutes_ago, now_iso, post,
};
use crate::helpers::{
    ADMIN_PASSWORD, Page, TestApp, column, fresh_database_url, location, text_of,
};

const PHONE: &str = "13812345678";

#[tokio::test]
async fn login_right_wrong_unknown_and_without_a_token() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    let response = get(&app, &anonymous, "/admin").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/login");
    for path in [
        "/admin/leads",
        "/admin/leads/1",
        "/admin/leads.csv",
        "/admin/advisors",
    ] {
        assert_eq!(get(&app, &anonymous, path).await.status(), 303, "{path}");
    }

    let (_, wrong) = app.login("admin", "not the password at all").await;
    let (_, unknown) = app.login("nobody", "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let wrong = Page::from(wrong).await.text("#login-error");
    let unknown = Page::from(unknown).await.text("#login-error");
    assert_eq!(wrong, "用户名或密码错误");
    assert_eq!(wrong, unknown, "the same answer for both");

    let no_token = app
        .browser()
        .post(app.url("/admin/login"))
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    assert_eq!(Page::from(no_token).await.text("h1"), "无权访问");

    let (browser, response) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hujifen_session="))
        .expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("hujifen_session=");
    assert_eq!(value.len(), 64, "256 random bits");
    let stored: String = hujifen::db::query("SELECT id_hash FROM sessions")
        .scalar(&app.db)
        .await
        .unwrap();
    assert_ne!(stored, value, "only a hash is stored");

    let queue = get(&app, &browser, "/admin").await;
    assert_eq!(queue.status(), 200);
    assert_eq!(queue.headers()["cache-control"], "no-store");
    assert_eq!(queue.headers()["referrer-policy"], "no-referrer");
    assert_eq!(Page::from(queue).await.text("h1"), "今日队列");
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_per_ip() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        assert_eq!(
            app.login("admin", "wrong password again!!")
                .await
                .1
                .status(),
            401
        );
    }
    let (_, delayed) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(delayed.status(), 429, "even the right password waits");
    assert!(delayed.headers().contains_key("retry-after"));
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failures").await,
        5,
        "kept in the database"
    );

    for i in 0..15 {
        app.login(&format!("guess{i}"), "wrong password again!!")
            .await;
    }
    let (_, blocked) = app.login("someone", "wrong password again!!").await;
    assert_eq!(
        blocked.status(),
        429,
        "20 failures from one IP in 10 minutes"
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let (browser, response) = app.login("admin", ADMIN_PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = csrf(&app, &browser, "/admin").await;
    let bad = post(&app, &browser, "/admin/logout", &[("csrf", "forged")]).await;
    assert_eq!(bad.status(), 403);
    let out = post(&app, &browser, "/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(app.scalar("SELECT count(*) FROM sessions").await, 0);
    // The old cookie no longer opens anything.
    let replay = app
        .client
        .get(app.url("/admin"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
    assert_eq!(location(&replay), "/admin/login");
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = TestApp::spawn().await;
    let browser = app.admin().await;
    hujifen::db::query("UPDATE sessions SET last_seen_at = last_seen_at - 1801")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        get(&app, &browser, "/admin").await.status(),
        303,
        "idle 30 minutes"
    );
    let browser = app.admin().await;
    hujifen::db::query("UPDATE sessions SET created_at = created_at - 28801")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        get(&app, &browser, "/admin").await.status(),
        303,
        "8 hours at most"
    );
}

#[tokio::test]
async fn each_role_sees_what_it_may() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let wang = add_advisor(&app, &admin, "wang").await;
    let li = add_advisor(&app, &admin, "li").await;
    let own = insert_lead(&app, "自己的", "13800000001", &now_iso(), Some(wang), None).await;
    let theirs = insert_lead(&app, "别人的", "13800000002", &now_iso(), Some(li), None).await;
    let open = insert_lead(&app, "未分配", "13800000003", &now_iso(), None, None).await;

    let (advisor, response) = app.login("wang", "an advisor password 2026").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        get(&app, &advisor, &format!("/admin/leads/{own}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&app, &advisor, &format!("/admin/leads/{open}"))
            .await
            .status(),
        200
    );
    let refused = get(&app, &advisor, &format!("/admin/leads/{theirs}")).await;
    assert_eq!(
        refused.status(),
        404,
        "another advisor's lead looks like none"
    );
    assert_eq!(
        Page::from(refused).await.text(".admin-header .brand"),
        "沪顾问后台",
        "the admin layout"
    );
    assert_eq!(
        get(&app, &advisor, "/admin/leads/999999").await.status(),
        404
    );
    assert_eq!(get(&app, &advisor, "/admin/leads/abc").await.status(), 404);
    assert_eq!(get(&app, &advisor, "/admin/advisors").await.status(), 403);
    assert_eq!(get(&app, &advisor, "/admin/leads.csv").await.status(), 403);
    let list = Page::from(get(&app, &advisor, "/admin/leads").await).await;
    let ids: Vec<String> = list
        .all("tr.lead-row")
        .iter()
        .map(|r| r.value().attr("data-id").unwrap().to_string())
        .collect();
    assert_eq!(ids, [open.to_string(), own.to_string()]);
    let token = csrf(&app, &advisor, &format!("/admin/leads/{own}")).await;
    let note = post(
        &app,
        &advisor,
        &format!("/admin/leads/{theirs}/notes"),
        &[("csrf", &token), ("text", "x")],
    )
    .await;
    assert_eq!(note.status(), 404, "no action on another advisor's lead");
    let assign = post(
        &app,
        &advisor,
        &format!("/admin/leads/{open}/assign"),
        &[("csrf", &token), ("advisor", &li.to_string())],
    )
    .await;
    assert_eq!(
        assign.status(),
        403,
        "an advisor cannot hand leads to others"
    );
    let take = post(
        &app,
        &advisor,
        &format!("/admin/leads/{open}/assign"),
        &[("csrf", &token), ("advisor", &wang.to_string())],
    )
    .await;
    assert_eq!(take.status(), 303, "but can take an open one");
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM leads WHERE id = {theirs} AND advisor_id = {li}"
        ))
        .await,
        1,
        "nothing changed"
    );

    let all = Page::from(get(&app, &admin, "/admin/leads").await).await;
    assert_eq!(all.all("tr.lead-row").len(), 3, "an admin sees all");
    assert_eq!(
        get(&app, &admin, &format!("/admin/leads/{theirs}"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn phones_are_masked_and_each_reveal_is_recorded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = insert_lead(&app, "张三", PHONE, &now_iso(), None, Some(116)).await;
    for path in [
        "/admin".to_string(),
        "/admin/leads".to_string(),
        format!("/admin/leads/{id}"),
        "/admin/leads?q=5678".to_string(),
    ] {
        let body = get(&app, &admin, &path).await.text().await.unwrap();
        assert!(!body.contains(PHONE), "{path} shows the full phone");
        assert!(
            body.contains("138****5678"),
            "{path} shows the masked phone"
        );
    }
    let token = csrf(&app, &admin, &format!("/admin/leads/{id}")).await;
    let revealed = post(
        &app,
        &admin,
        &format!("/admin/leads/{id}/reveal"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(revealed.status(), 303, "post/redirect/get");
    assert_eq!(location(&revealed), format!("/admin/leads/{id}"));
    let page = Page::from(get(&app, &admin, &format!("/admin/leads/{id}")).await).await;
    assert_eq!(page.text("#phone a.tel"), PHONE);
    assert_eq!(
        page.attr("#phone a.tel", "href"),
        Some(format!("tel:{PHONE}"))
    );
    assert!(page.text("#flash").contains("号码已显示"));
    assert!(!page.text("title").contains(PHONE));
    let timeline = page.text("#timeline");
    assert!(
        timeline.contains("admin") && timeline.contains("查看了完整手机号"),
        "{timeline}"
    );
    assert!(
        timeline.contains("分配给"),
        "an unassigned lead goes to whoever revealed it: {timeline}"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM leads l JOIN advisors a ON a.id = l.advisor_id
             WHERE l.id = {id} AND a.username = 'admin'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT count(*) FROM lead_events WHERE kind = 'phone_revealed' AND actor = 'admin'"
        )
        .await,
        1,
        "one audit entry per reveal"
    );
    let again = Page::from(get(&app, &admin, &format!("/admin/leads/{id}")).await).await;
    assert_eq!(
        again.text("#phone a.tel"),
        PHONE,
        "still shown within 10 minutes"
    );
    assert!(!again.has("#flash"), "the flash shows once");
    assert_eq!(
        app.scalar(
            "SELECT count(*) FROM lead_events WHERE kind = 'phone_revealed' AND actor = 'admin'"
        )
        .await,
        1,
        "looking again is not another reveal"
    );
    app.execute(&format!(
        "UPDATE lead_events SET created_at = '{}' WHERE kind = 'phone_revealed'",
        minutes_ago(11)
    ))
    .await;
    let later = Page::from(get(&app, &admin, &format!("/admin/leads/{id}")).await).await;
    assert_eq!(
        later.text("#phone"),
        "138****5678",
        "masked again after 10 minutes"
    );
    assert!(later.has("#reveal"));
}

#[tokio::test]
async fn notes_statuses_assignment_and_follow_ups_round_trip() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = insert_lead(&app, "李四", PHONE, &now_iso(), None, None).await;
    let path = format!("/admin/leads/{id}");
    let token = csrf(&app, &admin, &path).await;

    let note = post(
        &app,
        &admin,
        &format!("{path}/notes"),
        &[("csrf", &token), ("text", "下午三点回电，想了解社保基数")],
    )
    .await;
    assert_eq!(note.status(), 303);
    assert_eq!(location(&note), path);
    let status = post(
        &app,
        &admin,
        &format!("{path}/status"),
        &[("csrf", &token), ("status", "contacted")],
    )
    .await;
    assert_eq!(status.status(), 303);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM leads WHERE id = {id} AND first_contacted_at IS NOT NULL"
        ))
        .await,
        1
    );
    let follow = post(
        &app,
        &admin,
        &format!("{path}/follow-up"),
        &[("csrf", &token), ("date", "2099-12-01")],
    )
    .await;
    assert_eq!(follow.status(), 303);
    let page = Page::from(get(&app, &admin, &path).await).await;
    assert_eq!(page.text("#flash"), "已保存");
    let timeline = page.text("#timeline");
    assert!(timeline.contains("下午三点回电"), "{timeline}");
    assert!(timeline.contains("新线索 → 已联系"), "{timeline}");
    assert!(timeline.contains("2099-12-01"));
    assert!(page.text("h1").contains("已联系"));

    for (fields, reason) in [
        (vec![("status", "invalid")], "无效须填原因"),
        (vec![("status", "archived")], "未知状态"),
        (vec![("text", "")], "空备注"),
        (vec![("date", "next tuesday")], "坏日期"),
        (vec![("date", "2020-01-01")], "过去的日期"),
    ] {
        let action = if fields[0].0 == "status" {
            "status"
        } else if fields[0].0 == "text" {
            "notes"
        } else {
            "follow-up"
        };
        let mut form = fields.clone();
        form.push(("csrf", &token));
        let response = post(&app, &admin, &format!("{path}/{action}"), &form).await;
        assert_eq!(response.status(), 422, "{reason}");
        let page = Page::from(response).await;
        let section = match action {
            "notes" => "#note",
            "status" => "#status",
            _ => "#follow-up",
        };
        assert!(
            page.has(&format!("{section} #action-error")),
            "{reason}: the refusal is beside the form that caused it"
        );
        for (name, value) in &fields {
            if *value == "archived" {
                continue; // a select cannot show a value it does not offer
            }
            let control = format!("{section} [name=\"{name}\"]");
            let kept = if *name == "text" {
                page.text(&control)
            } else if *name == "status" {
                page.attr(&format!("{control} option[selected]"), "value")
                    .unwrap_or_default()
            } else {
                page.attr(&control, "value").unwrap_or_default()
            };
            assert_eq!(&kept, value, "{reason}: what was typed is kept");
        }
    }
    let huge = "备".repeat(40_000);
    let too_big = post(
        &app,
        &admin,
        &format!("{path}/notes"),
        &[("csrf", &token), ("text", &huge)],
    )
    .await;
    assert_eq!(too_big.status(), 413);
    assert!(
        Page::from(too_big)
            .await
            .text("#note #action-error")
            .contains("2000字")
    );
    let longest = "备".repeat(2000);
    let longest_note = post(
        &app,
        &admin,
        &format!("{path}/notes"),
        &[("csrf", &token), ("text", &longest)],
    )
    .await;
    assert_eq!(
        longest_note.status(),
        303,
        "2,000 characters of Chinese fit"
    );
    let forged = post(
        &app,
        &admin,
        &format!("{path}/notes"),
        &[("csrf", "forged"), ("text", "x")],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let page = Page::from(forged).await;
    assert!(page.text("#note #action-error").contains("没有保存"));
    assert_eq!(page.text("#note textarea"), "x", "what was typed is kept");
    let missing = post(&app, &admin, &format!("{path}/notes"), &[("text", "x")]).await;
    assert_eq!(missing.status(), 403);
    let unknown_action = post(
        &app,
        &admin,
        &format!("{path}/explode"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(unknown_action.status(), 404);
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM lead_events WHERE lead_id = {id} AND kind = 'note'"
        ))
        .await,
        2,
        "nothing else changed"
    );

    let invalid = post(
        &app,
        &admin,
        &format!("{path}/status"),
        &[("csrf", &token), ("status", "invalid"), ("reason", "空号")],
    )
    .await;
    assert_eq!(invalid.status(), 303);
    assert!(
        Page::from(get(&app, &admin, &path).await)
            .await
            .text("#timeline")
            .contains("原因：空号")
    );
}

#[tokio::test]
async fn the_admin_assigns_an_advisor_by_id_not_by_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Two advisors may share a display name; only the id tells them apart.
    let first = add_named_advisor(&app, &admin, "wang1", "王老师").await;
    let second = add_named_advisor(&app, &admin, "wang2", "王老师").await;
    let id = insert_lead(&app, "赵六", PHONE, &now_iso(), None, None).await;
    let path = format!("/admin/leads/{id}");
    let token = csrf(&app, &admin, &path).await;
    let assign = |value: String| {
        let (app, admin, path, token) = (&app, &admin, &path, &token);
        async move {
            post(
                app,
                admin,
                &format!("{path}/assign"),
                &[("csrf", token.as_str()), ("advisor", value.as_str())],
            )
            .await
        }
    };
    let owner = format!("SELECT coalesce(advisor_id, 0) FROM leads WHERE id = {id}");
    let assigned_to = || app.scalar(&owner);

    let assigned = assign(second.to_string()).await;
    assert_eq!(assigned.status(), 303);
    assert_eq!(assigned_to().await, second);
    let page = Page::from(get(&app, &admin, &path).await).await;
    assert_eq!(
        page.attr(r#"select[name="advisor"] option[selected]"#, "value"),
        Some(second.to_string()),
        "the form shows the assigned advisor, not the first one with that name"
    );

    let disabled = post(
        &app,
        &admin,
        &format!("/admin/advisors/{first}/disable"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(disabled.status(), 303);
    for value in [
        "王老师".to_string(),
        "999999".to_string(),
        first.to_string(),
    ] {
        let refused = assign(value.clone()).await;
        assert_eq!(refused.status(), 422, "{value}");
        assert_eq!(
            Page::from(refused).await.text("#action-error"),
            "该顾问不存在或已停用",
            "{value}"
        );
    }
    assert_eq!(assigned_to().await, second, "nothing changed");

    let released = assign(String::new()).await;
    assert_eq!(released.status(), 303);
    assert_eq!(assigned_to().await, 0, "unassigned");
}

#[tokio::test]
async fn other_origins_cannot_post() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = insert_lead(&app, "王五", PHONE, &now_iso(), None, None).await;
    let token = csrf(&app, &admin, &format!("/admin/leads/{id}")).await;
    for (header, value, why) in [
        ("origin", "https://evil.example", "another origin"),
        ("sec-fetch-site", "cross-site", "a cross-site fetch"),
        ("origin", "null", "an opaque origin without Sec-Fetch-Site"),
    ] {
        let response = admin
            .post(app.url(&format!("/admin/leads/{id}/notes")))
            .header(header, value)
            .form(&[("csrf", token.as_str()), ("text", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{why}");
    }
    // What Chromium sends from a no-referrer page: Origin null, but Sec-Fetch-Site same-origin.
    let browser_like = admin
        .post(app.url(&format!("/admin/leads/{id}/notes")))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", token.as_str()), ("text", "from the page")])
        .send()
        .await
        .unwrap();
    assert_eq!(browser_like.status(), 303);
    let same = admin
        .post(app.url(&format!("/admin/leads/{id}/notes")))
        .header("origin", crate::helpers::PUBLIC_URL)
        .form(&[("csrf", token.as_str()), ("text", "ok")])
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 303);
    let public = app
        .client
        .post(app.url("/self-test"))
        .header("origin", "https://evil.example")
        .form(&[("age", "30"), ("education", "college")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        public.status(),
        403,
        "public POSTs get the origin check too"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM lead_events WHERE kind = 'note'")
            .await,
        2
    );
}

#[tokio::test]
async fn the_csv_export_is_complete_safe_and_recorded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    insert_lead(&app, "张三", PHONE, &now_iso(), None, Some(126)).await;
    insert_lead(
        &app,
        "=HYPERLINK(\"http://x\",\"y\")",
        "13900000000",
        &now_iso(),
        None,
        Some(80),
    )
    .await;
    let response = get(&app, &admin, "/admin/leads.csv").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("编号,称呼,手机号"));
    assert!(text.contains(PHONE), "full phones for admins");
    assert!(
        text.contains("\"'=HYPERLINK"),
        "formula neutralised: {text}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.split(',').any(|cell| cell.starts_with('=')))
    );

    let filtered = get(&app, &admin, "/admin/leads.csv?band=reached")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    let events: Vec<String> = column(
        hujifen::db::query("SELECT detail FROM admin_events WHERE kind = 'csv_export' ORDER BY id"),
        &app.db,
    )
    .await;
    assert_eq!(events.len(), 2);
    assert!(
        events[0].contains("\"rows\":2") && events[1].contains("\"rows\":1"),
        "{events:?}"
    );
}

#[tokio::test]
async fn the_list_filters_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..25 {
        insert_lead(
            &app,
            &format!("客户{i}"),
            &format!("1380000{i:04}"),
            &now_iso(),
            None,
            Some(100 + i),
        )
        .await;
    }
    let first = Page::from(get(&app, &admin, "/admin/leads").await).await;
    assert_eq!(first.all("tr.lead-row").len(), 20);
    assert!(first.text(".pager").contains("第 1 / 2 页"));
    let second = Page::from(get(&app, &admin, "/admin/leads?page=2").await).await;
    assert_eq!(second.all("tr.lead-row").len(), 5);
    let by_tail = Page::from(get(&app, &admin, "/admin/leads?q=0007").await).await;
    assert_eq!(by_tail.all("tr.lead-row").len(), 1);
    assert!(by_tail.text("tr.lead-row").contains("客户7"));
    let by_name = Page::from(get(&app, &admin, "/admin/leads?q=%E5%AE%A2%E6%88%B724").await).await;
    assert_eq!(by_name.all("tr.lead-row").len(), 1);
    let reached = Page::from(get(&app, &admin, "/admin/leads?band=reached").await).await;
    assert_eq!(reached.all("tr.lead-row").len(), 5);
    let near = Page::from(get(&app, &admin, "/admin/leads?band=near").await).await;
    assert_eq!(near.all("tr.lead-row").len(), 20);
    let contacted = Page::from(get(&app, &admin, "/admin/leads?status=contacted").await).await;
    assert!(contacted.all("tr.lead-row").is_empty());
    let future = Page::from(get(&app, &admin, "/admin/leads?from=2099-01-01").await).await;
    assert!(future.all("tr.lead-row").is_empty());
    let nonsense = get(
        &app,
        &admin,
        "/admin/leads?status=%FF&page=-3&from=yesterday",
    )
    .await;
    assert_eq!(
        nonsense.status(),
        200,
        "bad filters are ignored, never a 500"
    );
}

#[tokio::test]
async fn the_queue_shows_overdue_leads_in_red() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let old = insert_lead(
        &app,
        "老线索",
        "13800000010",
        "2026-01-05T02:00:00.000Z",
        None,
        None,
    )
    .await;
    let fresh = insert_lead(&app, "新线索", "13800000011", &now_iso(), None, None).await;
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    let overdue: Vec<&str> = queue
        .all("#overdue tr.lead-row")
        .iter()
        .map(|r| r.value().attr("data-id").unwrap())
        .collect();
    assert_eq!(overdue, [old.to_string()]);
    assert!(queue.has(&format!(r#"#overdue tr.lead-row.overdue[data-id="{old}"]"#)));
    let waiting: Vec<&str> = queue
        .all("#new tr.lead-row")
        .iter()
        .map(|r| r.value().attr("data-id").unwrap())
        .collect();
    assert_eq!(waiting, [fresh.to_string()]);
    assert!(queue.text(".status-counts").contains("2 新线索"));
    assert_eq!(queue.all("svg.chart polyline").len(), 3);
    let list = Page::from(get(&app, &admin, "/admin/leads").await).await;
    assert!(list.has(&format!(r#"tr.lead-row.overdue[data-id="{old}"]"#)));
    assert!(!list.has(&format!(r#"tr.lead-row.overdue[data-id="{fresh}"]"#)));
}

#[tokio::test]
async fn admins_manage_advisors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = csrf(&app, &admin, "/admin/advisors").await;
    let weak = post(
        &app,
        &admin,
        "/admin/advisors",
        &[
            ("csrf", &token),
            ("username", "zhao"),
            ("display_name", "赵"),
            ("role", "advisor"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(weak.status(), 422);
    assert!(
        Page::from(weak)
            .await
            .text(".add-advisor")
            .contains("至少15个字符")
    );
    let generated = post(
        &app,
        &admin,
        "/admin/advisors",
        &[
            ("csrf", &token),
            ("username", "zhao"),
            ("display_name", "赵顾问"),
            ("email", "zhao@hujifen.test"),
            ("role", "advisor"),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(generated.status(), 200);
    let notice = Page::from(generated).await.text("#notice");
    let password = notice.rsplit('：').next().unwrap().trim().to_string();
    assert_eq!(password.len(), 20, "{notice}");
    let (zhao, response) = app.login("zhao", &password).await;
    assert_eq!(response.status(), 303);
    assert_eq!(get(&app, &zhao, "/admin").await.status(), 200);

    let id = advisor_id(&app, "zhao").await;
    let disabled = post(
        &app,
        &admin,
        &format!("/admin/advisors/{id}/disable"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(disabled.status(), 303);
    assert_eq!(
        get(&app, &zhao, "/admin").await.status(),
        303,
        "disabling ends their sessions"
    );
    assert_eq!(app.login("zhao", &password).await.1.status(), 401);

    let me = advisor_id(&app, "admin").await;
    let myself = post(
        &app,
        &admin,
        &format!("/admin/advisors/{me}/disable"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(myself.status(), 422);
    let reset = post(
        &app,
        &admin,
        &format!("/admin/advisors/{me}/password"),
        &[("csrf", &token)],
    )
    .await;
    assert_eq!(reset.status(), 200);
    let notice = Page::from(reset).await.text("#notice");
    let new_password = notice.rsplit('：').next().unwrap().trim().to_string();
    assert_eq!(
        get(&app, &admin, "/admin").await.status(),
        303,
        "a reset ends the sessions too"
    );
    assert_eq!(app.login("admin", &new_password).await.1.status(), 303);
    assert_eq!(app.login("admin", ADMIN_PASSWORD).await.1.status(), 401);
}

#[tokio::test]
async fn the_cli_adds_an_advisor_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hujifen"))
        .args([
            "advisor",
            "add",
            "sun",
            "--display-name",
            "孙顾问",
            "--email",
            "sun@hujifen.test",
        ])
        .env("DATABASE_URL", &app.database_url)
        .env("HUJIFEN_NEW_PASSWORD", "a password from the cli 2026")
        .env("HUJIFEN_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("a password from the cli"));
    assert_eq!(
        app.login("sun", "a password from the cli 2026")
            .await
            .1
            .status(),
        303
    );
    let disable = std::process::Command::new(env!("CARGO_BIN_EXE_hujifen"))
        .args(["advisor", "disable", "sun"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();
    assert!(disable.status.success());
    assert_eq!(
        app.login("sun", "a password from the cli 2026")
            .await
            .1
            .status(),
        401
    );
    let names: Vec<String> = Page::from(get(&app, &app.admin().await, "/admin/advisors").await)
        .await
        .all("tr[data-username]")
        .into_iter()
        .map(|r| text_of(r))
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("sun") && n.contains("已停用")),
        "{names:?}"
    );
}

// Login under load (SECURITY.md, learned from an outside probe): gate and
// count in one step, a few hashes at once, one per account, and a browser
// that signed in before is never locked out by strangers.

const BUSY: &str = "登录请求过多，请稍后再试";

/// A browser of its own: its cookie jar, no redirects followed.
pub(crate) fn new_browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Opens the login page in `browser`; its CSRF token.
pub(crate) async fn login_token(browser: &Client, base: &str) -> String {
    let page = browser
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .unwrap();
    Page::from(page)
        .await
        .attr(r#"input[name="csrf"]"#, "value")
        .unwrap()
}

pub(crate) async fn send_login(
    browser: &Client,
    base: &str,
    token: &str,
    username: &str,
    password: &str,
) -> Response {
    browser
        .post(format!("{base}/admin/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", token),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in with this browser (keeping its cookies).
pub(crate) async fn login_with(
    app: &TestApp,
    browser: &Client,
    username: &str,
    password: &str,
) -> Response {
    let token = login_token(browser, &app.address).await;
    send_login(browser, &app.address, &token, username, password).await
}

/// A browser that signed in as admin once and signed out: it carries the
/// known-device cookie.
pub(crate) async fn known_admin_browser(app: &TestApp) -> Client {
    let known = new_browser();
    assert_eq!(
        login_with(app, &known, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303
    );
    sign_out(app, &known).await;
    known
}

/// Wrong-password logins for `slow0`..`slow{n-1}` (advisors the caller
/// made with a slow hash), each from a browser of its own, all started at
/// once; each task ends with its status.
pub(crate) async fn slow_wrong_logins(
    app: &TestApp,
    n: usize,
) -> Vec<tokio::task::JoinHandle<u16>> {
    let mut pending = Vec::new();
    for i in 0..n {
        let browser = new_browser();
        let token = login_token(&browser, &app.address).await;
        let base = app.address.clone();
        pending.push(tokio::spawn(async move {
            send_login(
                &browser,
                &base,
                &token,
                &format!("slow{i}"),
                "a wrong password again",
            )
            .await
            .status()
            .as_u16()
        }));
    }
    pending
}

/// Signs this browser out; its known-device cookie stays.
pub(crate) async fn sign_out(app: &TestApp, browser: &Client) {
    let token = csrf(app, browser, "/admin").await;
    let out = post(app, browser, "/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(out.status(), 303);
}

/// Every (username, password) from a browser of its own, the login pages
/// fetched first and then all the logins sent at once; the statuses.
async fn parallel_logins(base: &str, attempts: &[(String, String)]) -> Vec<u16> {
    let mut ready = Vec::new();
    for (username, password) in attempts {
        let browser = new_browser();
        let token = login_token(&browser, base).await;
        ready.push((browser, token, username.clone(), password.clone()));
    }
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(browser, token, username, password)| {
            let base = base.to_string();
            tokio::spawn(async move {
                send_login(&browser, &base, &token, &username, &password)
                    .await
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

pub(crate) fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

pub(crate) async fn failures_of(app: &TestApp, username: &str) -> i64 {
    hujifen::db::query("SELECT count(*) FROM login_failures WHERE username = $1")
        .bind(username)
        .scalar(&app.db)
        .await
        .unwrap()
}

pub(crate) fn load(app: &TestApp) -> hujifen::web::admin::auth::HashingLoad {
    app.logins.load()
}

/// Waits (at most 20 s) until `hashes` password hashes are in progress.
pub(crate) async fn wait_until_hashing(app: &TestApp, hashes: usize) {
    for _ in 0..2000 {
        if app.logins.load().hashing == hashes {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("never {hashes} hashes at once");
}

/// An Argon2id hash 30 times slower than the site's own, so a test can act
/// while the server is still verifying it.
pub(crate) async fn slow_hash(password: &str) -> String {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(19_456, 60, 1, None).unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::encode_b64(b"a fixed test salt").unwrap();
        argon
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    })
    .await
    .unwrap()
}

pub(crate) async fn insert_advisor(app: &TestApp, username: &str, password_hash: &str) {
    hujifen::db::query(
        "INSERT INTO advisors (username, display_name, role, password_hash) VALUES ($1, $2, 'advisor', $3)",
    )
    .bind(username)
    .bind(username)
    .bind(password_hash)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn sixty_parallel_wrong_passwords_get_at_most_five_guesses() {
    let app = TestApp::spawn().await;
    let attempts = vec![("admin".to_string(), "a wrong password again".to_string()); 60];
    let statuses = parallel_logins(&app.address, &attempts).await;
    let hashed = count(&statuses, 401);
    let refused = count(&statuses, 429);
    assert_eq!(hashed + refused, 60, "{statuses:?}");
    assert!(
        (1..=5).contains(&hashed),
        "at most the 5 free failures are hashed, got {hashed}"
    );
    assert_eq!(
        failures_of(&app, "admin").await,
        hashed as i64,
        "each hashed attempt is one recorded failure, and only those"
    );
    let load = load(&app);
    assert!(load.peak <= load.permits, "{load:?}");
    assert_eq!(load.hashing, 0);

    // The same from sixty different names: the IP's 20 failures hold, and
    // never more hashes at once than there are permits.
    let spread: Vec<(String, String)> = (0..60)
        .map(|i| (format!("guess{i}"), "a wrong password again".to_string()))
        .collect();
    let statuses = parallel_logins(&app.address, &spread).await;
    let hashed_too = count(&statuses, 401);
    assert_eq!(hashed_too + count(&statuses, 429), 60, "{statuses:?}");
    assert!(
        hashed + hashed_too <= 20,
        "20 failures per IP: {hashed} + {hashed_too}"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failures").await,
        (hashed + hashed_too) as i64,
        "a refused attempt leaves no row"
    );
    let load = self::load(&app);
    assert!(load.peak <= load.permits, "{load:?}");
}

#[tokio::test]
async fn when_every_hashing_permit_is_taken_a_login_gets_429_without_hashing() {
    // A login waits this long for a permit, then is refused unhashed.
    let app = TestApp::spawn_with(&[("HUJIFEN_LOGIN_WAIT_MS", "100")]).await;
    let permits = hujifen::web::admin::auth::site_hashing_permits();
    let hash = slow_hash("the slow password 2026").await;
    for i in 0..=permits {
        insert_advisor(&app, &format!("slow{i}"), &hash).await;
    }
    let pending = slow_wrong_logins(&app, permits).await;
    wait_until_hashing(&app, permits).await;

    let asked = std::time::Instant::now();
    let (_, busy) = app
        .login(&format!("slow{permits}"), "the slow password 2026")
        .await;
    assert_eq!(busy.status(), 429, "even the right password is not hashed");
    assert!(
        asked.elapsed() >= std::time::Duration::from_millis(100),
        "it waited for a permit first"
    );
    assert_eq!(busy.headers()["retry-after"], "1");
    assert_eq!(Page::from(busy).await.text("#login-error"), BUSY);
    assert_eq!(
        failures_of(&app, &format!("slow{permits}")).await,
        0,
        "the refused attempt was given back"
    );
    for task in pending {
        assert_eq!(task.await.unwrap(), 401);
    }
    assert_eq!(load(&app).peak, permits);
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failures").await,
        permits as i64
    );
    let (_, signed_in) = app
        .login(&format!("slow{permits}"), "the slow password 2026")
        .await;
    assert_eq!(signed_in.status(), 303, "free again once the hashes end");
}

#[tokio::test]
async fn a_second_attempt_for_an_account_in_flight_gets_429_without_hashing() {
    let app = TestApp::spawn().await;
    // A browser that signed in before.
    let known = new_browser();
    assert_eq!(
        login_with(&app, &known, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303
    );
    sign_out(&app, &known).await;
    let slow_password = "the slow admin password 2026";
    hujifen::db::query("UPDATE advisors SET password_hash = $1 WHERE username = 'admin'")
        .bind(slow_hash(slow_password).await)
        .execute(&app.db)
        .await
        .unwrap();

    let stranger = new_browser();
    let token = login_token(&stranger, &app.address).await;
    let base = app.address.clone();
    let first = tokio::spawn(async move {
        send_login(&stranger, &base, &token, "admin", "a wrong password again")
            .await
            .status()
            .as_u16()
    });
    wait_until_hashing(&app, 1).await;

    let (_, second) = app.login("Admin", slow_password).await;
    assert_eq!(second.status(), 429, "one attempt per account at a time");
    assert_eq!(second.headers()["retry-after"], "1");
    assert_eq!(Page::from(second).await.text("#login-error"), BUSY);
    assert_eq!(
        failures_of(&app, "admin").await,
        1,
        "only the first attempt is reserved"
    );
    // The stranger's attempt does not hold the known browser's turn.
    assert_eq!(
        login_with(&app, &known, "admin", slow_password)
            .await
            .status(),
        303
    );
    assert_eq!(first.await.unwrap(), 401);
    assert_eq!(load(&app).peak, 2, "the stranger's and the known browser's");
    assert_eq!(failures_of(&app, "admin").await, 1);
}

#[tokio::test]
async fn strangers_cannot_lock_out_a_browser_that_signed_in_before() {
    let app = TestApp::spawn().await;
    let known = new_browser();
    let signed_in = login_with(&app, &known, "admin", ADMIN_PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    let device = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hujifen_device="))
        .expect("a known-device cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=7776000"] {
        assert!(device.contains(flag), "{device}");
    }
    assert_eq!(
        signed_in.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split('=')
            .next(),
        Some("hujifen_session"),
        "the session cookie comes first"
    );
    sign_out(&app, &known).await;

    // Strangers fail five times here, then many more from elsewhere: the
    // account waits 15 minutes for anyone without the cookie.
    for _ in 0..5 {
        assert_eq!(
            app.login("admin", "a wrong password again")
                .await
                .1
                .status(),
            401
        );
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for i in 0..30 {
        hujifen::db::query(
            "INSERT INTO login_failures (username, ip, at) VALUES ('admin', $1, $2)",
        )
        .bind(format!("203.0.113.{i}"))
        .bind(now)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let (_, locked) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), 429, "a new browser waits");
    let wait: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 800, "{wait}");

    // The browser that signed in before is not delayed, even after a typo.
    assert_eq!(
        login_with(&app, &known, "admin", "a typo in the password")
            .await
            .status(),
        401
    );
    let again = login_with(&app, &known, "admin", ADMIN_PASSWORD).await;
    assert_eq!(again.status(), 303, "signs in at once");
    assert_eq!(get(&app, &known, "/admin").await.status(), 200);
    assert_eq!(
        app.scalar(
            "SELECT count(*) FROM login_failures WHERE username = 'admin' AND known_device = FALSE"
        )
        .await,
        35,
        "the strangers' failures stay counted"
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM login_failures WHERE known_device = TRUE")
            .await,
        0,
        "the known browser's typo is cleared by its success"
    );
    // The cookie is for this account only.
    add_advisor(&app, &known, "wang").await;
    sign_out(&app, &known).await;
    for _ in 0..5 {
        login_with(&app, &known, "wang", "a wrong password again").await;
    }
    assert_eq!(
        login_with(&app, &known, "wang", "an advisor password 2026")
            .await
            .status(),
        429,
        "admin's known browser is a stranger to wang"
    );
}

/// The peak resident memory of a process (VmHWM), in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn sixty_parallel_logins_keep_the_server_memory_bounded() {
    let folder = tempfile::tempdir().unwrap();
    let server = crate::process::ServerProcess::start(folder.path(), &[]);
    let base = server.address.clone();
    // The first unknown name makes the dummy hash, once.
    let warm_up = [("nobody".to_string(), "a wrong password again".to_string())];
    assert_eq!(parallel_logins(&base, &warm_up).await, [401]);
    let before = peak_rss_kib(server.child.id());

    let admin = vec![("admin".to_string(), "a wrong password again".to_string()); 60];
    let statuses = parallel_logins(&base, &admin).await;
    assert!(count(&statuses, 401) <= 5, "{statuses:?}");
    let spread: Vec<(String, String)> = (0..60)
        .map(|i| (format!("guess{i}"), "a wrong password again".to_string()))
        .collect();
    let statuses = parallel_logins(&base, &spread).await;
    assert_eq!(count(&statuses, 401) + count(&statuses, 429), 60);

    // Argon2 holds 19 MiB a hash: only the permits' worth may be added,
    // where hashing all sixty at once took over a gigabyte.
    let permits = hujifen::web::admin::auth::site_hashing_permits() as u64;
    let grown_mib = peak_rss_kib(server.child.id()).saturating_sub(before) / 1024;
    assert!(
        grown_mib <= permits * 20 + 40,
        "peak memory grew {grown_mib} MiB with {permits} permits"
    );
}

#[tokio::test]
async fn the_first_admin_gets_the_configured_username() {
    use hujifen::settings::Settings;
    let folder = tempfile::tempdir().unwrap();
    let url = fresh_database_url(folder.path()).await;
    let lookup = |name: &str| match name {
        "DATABASE_URL" => Some(url.clone()),
        "HUJIFEN_ADMIN_USERNAME" => Some("laoban".to_string()),
        "HUJIFEN_ADMIN_PASSWORD" => Some(ADMIN_PASSWORD.to_string()),
        _ => None,
    };
    let settings = Settings::from_lookup(lookup).unwrap();
    assert_eq!(settings.first_admin.username, "laoban");
    let db = hujifen::db::connect(&url).await.unwrap();
    for _ in 0..2 {
        hujifen::cli::ensure_first_admin_named(
            &db,
            &settings.first_admin.username,
            settings.first_admin.password.as_deref(),
        )
        .await
        .unwrap();
    }
    let advisors: Vec<(String, String)> = hujifen::db::query("SELECT username, role FROM advisors")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(
        advisors,
        [("laoban".to_string(), "admin".to_string())],
        "once, with the configured name, and no 'admin'"
    );

    assert_eq!(
        Settings::from_lookup(|_| None)
            .unwrap()
            .first_admin
            .username,
        "admin",
        "the default"
    );
    for bad in ["Boss", "a", "老板", "admin user"] {
        assert!(
            Settings::from_lookup(|name| (name == "HUJIFEN_ADMIN_USERNAME").then(|| bad.into()))
                .is_err(),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn the_app_creates_its_first_admin_with_the_configured_username() {
    let app = TestApp::spawn_with(&[("HUJIFEN_ADMIN_USERNAME", "laoban")]).await;
    let (_, response) = app.login("laoban", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        app.scalar("SELECT count(*) FROM advisors WHERE username = 'admin'")
            .await,
        0
    );
}

/// A known-device cookie is bound to the advisor's epoch: after a password
/// reset (or a disable) the browser is a stranger again, and strangers'
/// failures delay it like anyone else.
#[tokio::test]
async fn a_password_reset_forgets_known_devices() {
    let app = TestApp::spawn().await;
    let known = known_admin_browser(&app).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for i in 0..30 {
        hujifen::db::query(
            "INSERT INTO login_failures (username, ip, at) VALUES ('admin', $1, $2)",
        )
        .bind(format!("203.0.113.{i}"))
        .bind(now)
        .execute(&app.db)
        .await
        .unwrap();
    }
    assert_eq!(
        login_with(&app, &known, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        303,
        "known before the reset"
    );
    sign_out(&app, &known).await;
    let new_password = "a brand new admin password";
    let hash = hujifen::advisors::hash_password(new_password).unwrap();
    let id = advisor_id(&app, "admin").await;
    assert!(
        hujifen::db::advisors::set_password(&app.db, id, &hash)
            .await
            .unwrap()
    );
    assert_eq!(
        login_with(&app, &known, "admin", new_password)
            .await
            .status(),
        429,
        "the cookie signed before the reset no longer counts"
    );
}
