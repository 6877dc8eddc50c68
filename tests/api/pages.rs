//! The web pages over plain HTTP, as a browser without JavaScript meets them: the language, the
//! forms and their CSRF token, the log-in redirect, the error pages and the empty storefront.
//! (The browser suite under `e2e/` clicks through the same pages; these check the answers.)

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::helpers::{captured_log, spawn_app, Answer, TestApp, PASSWORD};

/// A browser's view of the site: the cookies it was given so far.
pub(crate) struct Visitor<'a> {
    app: &'a TestApp,
    pub(crate) cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Visitor {
            app,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Keeps the cookies an answer sets (and forgets the ones it clears).
    fn remember(&mut self, headers: &HeaderMap) {
        for set in headers.get_all("set-cookie") {
            let pair = set.to_str().unwrap_or("").split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        self.send(self.app.client.get(self.app.url(path))).await
    }

    /// Submits a form the way a browser does (urlencoded, with the cookies).
    pub(crate) async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let form = self.app.client.post(self.app.url(path)).form(fields);
        self.send(form).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let cookies = self.cookie_header();
        let a = self.app.raw(request.header("cookie", cookies)).await;
        self.remember(&a.headers);
        a
    }
}

/// A page as a browser that asks for `language` gets it.
async fn get_in(app: &TestApp, path: &str, language: &str) -> Answer {
    let page = app.client.get(app.url(path));
    app.raw(page.header("accept-language", language)).await
}

/// The HTML of a page answer.
pub(crate) fn html(a: &Answer) -> &str {
    a.body.as_str().unwrap_or_default()
}

fn header<'h>(a: &'h Answer, name: &str) -> &'h str {
    a.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The value of the first hidden `csrf_token` field of a form on the page.
pub(crate) fn csrf_field(page: &str) -> Option<String> {
    page.split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
}

#[track_caller]
pub(crate) fn assert_html_page(a: &Answer, status: StatusCode, lang: &str) {
    a.assert_status(status);
    assert!(
        header(a, "content-type").starts_with("text/html"),
        "{:?}",
        a.headers
    );
    assert!(
        html(a).starts_with("<!doctype html>"),
        "a whole page: {}",
        html(a)
    );
    assert!(
        html(a).contains(&format!(r#"<html lang="{lang}">"#)),
        "in {lang}: {}",
        html(a)
    );
}

#[tokio::test]
async fn the_home_page_is_in_chinese_unless_the_browser_asks_for_english() {
    let app = spawn_app().await;
    let zh = app.get("/").await;
    assert_html_page(&zh, StatusCode::OK, "zh-CN");
    assert!(html(&zh).contains("在云市场销售您的软件与服务"));
    assert!(html(&zh).contains(r#"<a class="button primary big" href="/register">"#));

    let en = get_in(&app, "/", "en-GB,en;q=0.9").await;
    assert_html_page(&en, StatusCode::OK, "en");
    assert!(html(&en).contains("Sell your software and services on the cloud marketplace"));
    assert!(!html(&en).contains("在云市场销售您的软件与服务"));

    // The language switch in the top bar remembers the choice in a cookie.
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/help").await;
    let token = csrf_field(html(&page)).expect("the switch carries a CSRF token");
    let switched = visitor
        .post_form(
            "/lang",
            &[("csrf_token", &token), ("lang", "en"), ("back", "/help")],
        )
        .await;
    switched.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(header(&switched, "location"), "/help");
    let after = visitor.get("/").await;
    assert_html_page(&after, StatusCode::OK, "en");
}

#[tokio::test]
async fn the_log_in_page_has_a_form_with_a_csrf_token_and_its_cookie() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/login").await;
    assert_html_page(&page, StatusCode::OK, "zh-CN");
    let form = html(&page)
        .split_once(r#"<form method="post" action="/login" novalidate>"#)
        .map(|(_, rest)| rest.split_once("</form>").map_or(rest, |(f, _)| f))
        .expect("the log-in form");
    assert!(form.contains(r#"name="email""#), "{form}");
    assert!(form.contains(r#"name="password""#), "{form}");
    let token = csrf_field(form).expect("a hidden csrf_token field");
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    // A visitor without a session gets a pre-session cookie for the token to match.
    let cookie = header(&page, "set-cookie");
    assert!(cookie.starts_with("berth_csrf="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    // The next visit keeps the cookie, so the token stays the same.
    let again = visitor.get("/login").await;
    assert_eq!(csrf_field(html(&again)), Some(token));
    assert!(again.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn a_form_posted_without_its_csrf_token_gets_the_403_page() {
    let app = spawn_app().await;
    let email = "form@example.com";
    app.provider(email).await;
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/login").await;
    let token = csrf_field(html(&page)).expect("token");

    let wrong = "0".repeat(64);
    // Another visitor's page carries another token (it belongs to that visitor's cookie).
    let others = csrf_field(html(&Visitor::new(&app).get("/login").await)).expect("token");
    assert_ne!(others, token);
    for (what, csrf_token) in [
        ("no token", None),
        ("a wrong token", Some(wrong.as_str())),
        ("another visitor's token", Some(others.as_str())),
    ] {
        let mut fields = vec![("email", email), ("password", PASSWORD)];
        fields.extend(csrf_token.map(|t| ("csrf_token", t)));
        let a = visitor.post_form("/login", &fields).await;
        assert_html_page(&a, StatusCode::FORBIDDEN, "zh-CN");
        assert!(
            html(&a).contains(r#"<p class="status-code">403</p>"#),
            "{what}"
        );
        // An expired or forged form is said to be one, not "your account cannot see this".
        assert!(
            html(&a).contains("表单已过期，请重新提交"),
            "{what}: {}",
            html(&a)
        );
        assert!(!html(&a).contains("您的账号无法访问此页面"), "{what}");
        assert!(
            !visitor.cookies.iter().any(|(k, _)| k == "berth_session"),
            "{what}: not signed in"
        );
    }

    // With the token the same form signs in and goes on to the move-in page.
    let a = visitor
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(header(&a, "location"), "/move-in");
    assert!(visitor.cookies.iter().any(|(k, _)| k == "berth_session"));
    let move_in = visitor.get("/move-in").await;
    assert_html_page(&move_in, StatusCode::OK, "zh-CN");
    assert!(
        html(&move_in).contains(email),
        "the top bar names the account"
    );
}

#[tokio::test]
async fn a_visitor_who_is_not_signed_in_is_sent_to_log_in_and_back() {
    let app = spawn_app().await;
    for path in [
        "/move-in",
        "/move-in/enterprise",
        "/provider/info/settlement",
        "/console",
    ] {
        let a = app.get(path).await;
        a.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(header(&a, "location"), format!("/login?next={path}"));
    }
    // The log-in page carries `next` on to its form.
    let page = app.get("/login?next=/move-in").await;
    page.assert_status(StatusCode::OK);
    assert!(html(&page).contains(r#"name="next" value="/move-in""#));
}

#[tokio::test]
async fn an_unknown_page_answers_404_as_a_page_in_the_site_layout() {
    let app = spawn_app().await;
    let a = app.get("/no-such-page").await;
    assert_html_page(&a, StatusCode::NOT_FOUND, "zh-CN");
    assert!(html(&a).contains(r#"<p class="status-code">404</p>"#));
    assert!(html(&a).contains("您要找的页面不存在。"), "{}", html(&a));
    assert!(
        html(&a).contains(r#"<header class="topbar">"#),
        "the layout"
    );
    assert!(
        html(&a).contains(r#"<a class="button" href="/">"#),
        "a way home"
    );

    let en = get_in(&app, "/no-such-page", "en").await;
    assert_html_page(&en, StatusCode::NOT_FOUND, "en");
    assert!(html(&en).contains("The page you are looking for does not exist."));

    // Under /api the same miss is JSON, as the API promises.
    let api = app.get("/api/v1/no-such-thing").await;
    api.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(api.code(), "not_found");
}

#[tokio::test]
async fn the_storefront_without_products_says_so() {
    let app = spawn_app().await;
    let a = app.get("/products").await;
    assert_html_page(&a, StatusCode::OK, "zh-CN");
    assert!(html(&a).contains("暂无上架商品。"), "{}", html(&a));
    assert!(!html(&a).contains(r#"class="product-grid""#));

    // A search that finds nothing says that instead.
    let a = app
        .raw(
            app.client
                .get(app.url("/products"))
                .query(&[("q", "区块链")]),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert!(html(&a).contains("没有匹配的商品"), "{}", html(&a));
    assert!(
        html(&a).contains(r#"value="区块链""#),
        "the search box keeps the words"
    );
}

#[tokio::test]
async fn an_unknown_product_page_is_a_404_page() {
    let app = spawn_app().await;
    let a = app
        .get("/products/0190b2a4-0000-7000-8000-000000000000")
        .await;
    assert_html_page(&a, StatusCode::NOT_FOUND, "zh-CN");
    assert!(html(&a).contains(r#"<p class="status-code">404</p>"#));
}

/// The part of a page between `start` and the next `end`.
pub(crate) fn part<'p>(page: &'p str, start: &str, end: &str) -> &'p str {
    let (_, rest) = page.split_once(start).unwrap_or(("", ""));
    rest.split_once(end).map_or(rest, |(p, _)| p)
}

/// The first API token (`berth_<id>_<secret>`) written in a page.
fn token_in(page: &str) -> Option<String> {
    let at = page.find("berth_")?;
    let token: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (token.len() > 40).then_some(token)
}

/// The one-time address of the form posting to `action` on a page.
pub(crate) fn form_action(page: &str, action: &str) -> String {
    let start = format!(r#"action="{action}?once="#);
    let once = part(page, &start, "\"");
    format!("{action}?once={once}")
}

/// Issue 13: a provider makes an API token on its backend page, sees it once, uses it, and
/// revokes it after a confirmation; the form names every error at once and keeps what was
/// typed; another provider cannot see or revoke it; a form without its CSRF token is refused.
#[tokio::test]
async fn a_provider_makes_uses_and_revokes_a_token_on_its_pages() {
    let app = spawn_app().await;
    let provider = app.with_provider("pages@tokens.test").await;
    let other = app.with_provider("other@tokens.test").await;
    let mut visitor = Visitor::new(&app);
    visitor
        .cookies
        .push(("berth_session".into(), provider.token.clone()));

    // Nothing yet: the page says what a token is for and where to read more.
    let list = visitor.get("/provider/tokens").await;
    assert_html_page(&list, StatusCode::OK, "zh-CN");
    assert!(html(&list).contains("还没有令牌"), "{}", html(&list));
    assert!(html(&list).contains(r#"href="/help#api""#));
    assert!(
        html(&list).contains(r#"href="/provider/tokens""#),
        "in the menu"
    );
    let csrf = csrf_field(html(&list)).expect("csrf");
    let action = form_action(html(&list), "/provider/tokens");

    // Every error at once, each at its field.
    let a = visitor
        .post_form(
            &action,
            &[("csrf_token", &csrf), ("name", ""), ("expiry", "date")],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "zh-CN");
    let page = html(&a);
    assert!(page.contains("此项为必填项。"), "{page}");
    assert!(page.contains("请至少选择一项权限。"), "{page}");
    assert!(
        page.contains("请选择令牌的有效天数，或失效的日期。"),
        "{page}"
    );
    assert!(
        page.contains(r##"href="#f-expiry""##),
        "the summary links the field"
    );

    // What was typed is kept; a day gone by is refused at the expiry.
    let action = form_action(page, "/provider/tokens");
    let a = visitor
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("name", "事件同步"),
                ("scopes", "events:read"),
                ("expiry", "date"),
                ("expires_on", "2001-01-01"),
            ],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "zh-CN");
    let page = html(&a);
    assert!(page.contains("该日期已过"), "{page}");
    assert!(page.contains(r#"value="事件同步""#), "{page}");
    assert!(page.contains(r#"value="events:read" checked"#), "{page}");
    assert!(page.contains(r#"value="2001-01-01""#), "{page}");
    assert!(token_in(page).is_none());

    // Made: the token is on this answer only, never cached.
    let action = form_action(page, "/provider/tokens");
    let made = visitor
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("name", "事件同步"),
                ("scopes", "events:read"),
                ("expiry", "30"),
            ],
        )
        .await;
    assert_html_page(&made, StatusCode::OK, "zh-CN");
    assert_eq!(header(&made, "cache-control"), "no-store");
    assert!(header(&made, "location").is_empty());
    assert!(html(&made).contains("仅显示这一次"), "{}", html(&made));
    let token = token_in(html(&made)).expect("the token is shown");

    // The list shows it in words, without the token, a timestamp or a key.
    let list = visitor.get("/provider/tokens").await;
    let table = part(html(&list), r#"id="tokens""#, "</table>");
    assert!(
        table.contains("事件同步") && table.contains("读取事件"),
        "{table}"
    );
    assert!(
        table.contains("尚未使用") && table.contains("使用中"),
        "{table}"
    );
    assert!(!html(&list).contains(&token));
    for raw in ["events:read", "T00:", "Z<", "true", "false"] {
        assert!(!table.contains(raw), "{raw} in {table}");
    }
    let id = part(table, r#"href="/provider/tokens/"#, "/revoke");
    assert_eq!(id.len(), 32, "{table}");

    // It works as a Bearer token on the event feed, and its use shows.
    app.get_as(&token, "/api/v1/events")
        .await
        .assert_status(StatusCode::OK);
    let list = visitor.get("/provider/tokens").await;
    let table = part(html(&list), r#"id="tokens""#, "</table>");
    assert!(!table.contains("尚未使用"), "{table}");
    assert!(!captured_log().contains(&token), "the token is in the log");

    // Another provider finds no such token, to look at or to revoke.
    let mut stranger = Visitor::new(&app);
    stranger
        .cookies
        .push(("berth_session".into(), other.token.clone()));
    let revoke = format!("/provider/tokens/{id}/revoke");
    let a = stranger.get(&revoke).await;
    assert_html_page(&a, StatusCode::NOT_FOUND, "zh-CN");
    let theirs = stranger.get("/provider/tokens").await;
    let their_csrf = csrf_field(html(&theirs)).expect("csrf");
    let a = stranger
        .post_form(&revoke, &[("csrf_token", &their_csrf)])
        .await;
    assert_html_page(&a, StatusCode::NOT_FOUND, "zh-CN");

    // A form without its CSRF token is refused.
    let a = visitor.post_form(&revoke, &[]).await;
    assert_html_page(&a, StatusCode::FORBIDDEN, "zh-CN");
    let a = visitor
        .post_form(
            "/provider/tokens",
            &[("name", "x"), ("scopes", "events:read"), ("expiry", "30")],
        )
        .await;
    assert_html_page(&a, StatusCode::FORBIDDEN, "zh-CN");
    app.get_as(&token, "/api/v1/events")
        .await
        .assert_status(StatusCode::OK);

    // Revoked after a confirmation: 401 from then on.
    let confirm = visitor.get(&revoke).await;
    assert_html_page(&confirm, StatusCode::OK, "zh-CN");
    assert!(html(&confirm).contains("确定吊销令牌“事件同步”吗？"));
    let action = form_action(html(&confirm), &revoke);
    let a = visitor.post_form(&action, &[("csrf_token", &csrf)]).await;
    a.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        header(&a, "location"),
        "/provider/tokens?notice=token_revoked"
    );
    app.get_as(&token, "/api/v1/events")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let list = visitor.get("/provider/tokens?notice=token_revoked").await;
    assert!(html(&list).contains("令牌已吊销"));
    let table = part(html(&list), r#"id="tokens""#, "</table>");
    assert!(
        table.contains("已吊销") && !table.contains("/revoke"),
        "{table}"
    );
}

/// Staff make marketplace-wide tokens on the console's page, confirming with a code from
/// their authenticator app once their second factor is no longer fresh (here in English).
#[tokio::test]
async fn staff_confirm_a_console_token_with_a_second_factor_code() {
    let app = spawn_app().await;
    let (session, secret) = app
        .staff_with_secret("ops@tokens.test", crate::helpers::OPERATOR)
        .await;
    let mut visitor = Visitor::new(&app);
    visitor.cookies.push(("berth_session".into(), session));
    visitor.cookies.push(("berth_lang".into(), "en".into()));

    // Just signed in: no code asked.
    let list = visitor.get("/console/tokens").await;
    assert_html_page(&list, StatusCode::OK, "en");
    assert!(html(&list).contains("No token yet"), "{}", html(&list));
    assert!(!html(&list).contains(r#"name="second_factor_code""#));
    assert!(html(&list).contains(r#"href="/console/tokens" aria-current="page""#));

    // Later, the form asks for a code, and names it with the other errors.
    app.state.ctx.clock.advance(10 * 60 * 1000);
    let list = visitor.get("/console/tokens").await;
    assert!(html(&list).contains(r#"name="second_factor_code""#));
    let csrf = csrf_field(html(&list)).expect("csrf");
    let action = form_action(html(&list), "/console/tokens");
    let a = visitor
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("name", "CRM sync"),
                ("expiry", "90"),
            ],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "en");
    assert!(html(&a).contains("Choose at least one permission."));
    assert!(html(&a).contains("Enter the code your authenticator app shows now."));
    assert!(html(&a).contains(r#"value="CRM sync""#));

    app.next_code_step();
    let action = form_action(html(&a), "/console/tokens");
    let made = visitor
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("name", "CRM sync"),
                ("scopes", "providers:read"),
                ("scopes", "events:read"),
                ("expiry", "90"),
                ("second_factor_code", &app.totp(&secret)),
            ],
        )
        .await;
    assert_html_page(&made, StatusCode::OK, "en");
    assert!(html(&made).contains("cannot be shown again"));
    let token = token_in(html(&made)).expect("the token");
    app.get_as(&token, "/api/v1/events")
        .await
        .assert_status(StatusCode::OK);
    let list = visitor.get("/console/tokens").await;
    let table = part(html(&list), r#"id="tokens""#, "</table>");
    assert!(
        table.contains("Read events, Read provider profiles"),
        "{table}"
    );
}
