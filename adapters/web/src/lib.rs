//! The member's private web page: their network at a glance (the map, who
//! is due with Done / Snooze / Skip, the favour balance, search, a page
//! per person), opened from a one-time link that `web` sends privately.
//!
//! An adapter like the chat ones: it turns HTTP requests into the core's
//! reads and presses, scoped to the session's member exactly as commands
//! are. Server-rendered HTML (askama templates), one small stylesheet and
//! a little plain JavaScript for the map's zoom and pan; no build step.

mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kith_bot::Kith;
use kith_bot::actions::Action;
use kith_bot::domain::{ContactId, Member};
use kith_bot::web::{Redeemed, WebSession};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tracing::error;

pub use pages::render_home;

/// The session cookie's name.
pub const COOKIE: &str = "kith_session";
const FLASH: &str = "kith_flash";

/// The page's state: the core, and whether cookies must be `Secure`.
struct Web {
    kith: Kith,
    secure: bool,
}

/// Every route of the page, under `/me`, serving `kith`'s members. The
/// page must be reached at the root of `public_url` (`KITH_PUBLIC_URL`);
/// when that is https, cookies are `Secure`.
pub fn router(kith: Kith, public_url: &str) -> Router {
    let web = Arc::new(Web {
        kith,
        secure: public_url.starts_with("https://"),
    });
    Router::new()
        .route("/me", get(home))
        .route("/me/search", get(search))
        .route("/me/contacts/{id}", get(person))
        .route("/me/contacts/{id}/{verb}", post(press))
        .route("/me/logout", post(logout))
        .route("/me/kith.css", get(css))
        .route("/me/map.js", get(script))
        .with_state(web)
}

/// A page with the headers every page carries: no caching, no framing, no
/// referrer (a link's token must never travel on), scripts and styles
/// only from here.
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A short page that says what happened and what to do (an error, a
/// refused link, a signed-out visitor).
fn notice(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, pages::notice(title, message))
}

fn oops(e: &anyhow::Error) -> Response {
    error!(error = %e, "the web page failed");
    notice(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Something went wrong on our side and nothing was changed. Please try again in a moment.",
    )
}

fn not_found() -> Response {
    notice(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing here. Go back to your page: /me",
    )
}

const GET_A_LINK: &str = "This page is private: open it with a link from Kith. Type web in \
     Slack, Discord or the console and Kith sends you one, just for you.";

/// The value of cookie `name` in the request, if any.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(response: &mut Response, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

impl Web {
    fn cookie(&self, name: &str, value: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path=/me; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
    }

    /// The live session of the request and its member, or the page to
    /// show instead.
    async fn signed_in(&self, headers: &HeaderMap) -> Result<(WebSession, Member), Response> {
        let signed_out = || notice(StatusCode::UNAUTHORIZED, "Kith", GET_A_LINK);
        let Some(token) = cookie(headers, COOKIE) else {
            return Err(signed_out());
        };
        let store = self.kith.store().as_ref();
        let now = self.kith.clock().now();
        let session = match kith_bot::web::session(store, token, now).await {
            Ok(Some(session)) => session,
            Ok(None) => return Err(signed_out()),
            Err(e) => return Err(oops(&e)),
        };
        match store
            .find_member(session.scope.workspace, &session.member)
            .await
        {
            Ok(Some(member)) if member.id == session.scope.member => Ok((session, member)),
            Ok(_) => Err(signed_out()),
            Err(e) => Err(oops(&e)),
        }
    }

    /// A session, its member, and a form that carries the session's CSRF
    /// token: every POST goes through here.
    async fn checked(
        &self,
        headers: &HeaderMap,
        form: &CsrfForm,
    ) -> Result<(WebSession, Member), Response> {
        let (session, member) = self.signed_in(headers).await?;
        let given = form.csrf.as_deref().unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(session.csrf.as_bytes())) {
            return Err(notice(
                StatusCode::FORBIDDEN,
                "Refused",
                "That form was not sent from your page, so nothing was changed. Reload your page and try again.",
            ));
        }
        Ok((session, member))
    }

    /// The message a press left for the next page, and the header that clears it.
    fn take_flash(&self, headers: &HeaderMap) -> Option<String> {
        let raw = cookie(headers, FLASH)?;
        let pair = format!("f={raw}");
        url::form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(_, v)| v.chars().take(500).collect())
    }
}

/// A redirect (after a POST, or a link opened) to `to`.
fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(to) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, to);
    }
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[derive(Debug, Deserialize)]
struct HomeQuery {
    t: Option<String>,
    out: Option<String>,
}

async fn home(
    State(web): State<Arc<Web>>,
    Query(query): Query<HomeQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(link) = &query.t {
        return open_link(&web, link).await;
    }
    let (session, member) = match web.signed_in(&headers).await {
        Ok(found) => found,
        Err(_) if query.out.is_some() => {
            return notice(
                StatusCode::OK,
                "Signed out",
                "You are signed out of your Kith page. Type web in chat for a new link.",
            );
        }
        Err(response) => return response,
    };
    let flash = web.take_flash(&headers);
    let now = web.kith.clock().now();
    match pages::home(
        web.kith.store().as_ref(),
        &member,
        &session.csrf,
        flash,
        now,
    )
    .await
    {
        Ok(html) => {
            let mut response = page(StatusCode::OK, html);
            if cookie(&headers, FLASH).is_some() {
                set_cookie(&mut response, web.cookie(FLASH, "", 0));
            }
            response
        }
        Err(e) => oops(&e),
    }
}

/// Opens a one-time link: a session cookie and a redirect to the clean
/// `/me` (so the token leaves the address bar and the history), or why not.
async fn open_link(web: &Web, link: &str) -> Response {
    let now = web.kith.clock().now();
    match kith_bot::web::open(web.kith.store().as_ref(), link, now).await {
        Ok(Ok(opened)) => {
            let mut response = see_other("/me");
            let max_age = (opened.session.expires_at - now).num_seconds();
            set_cookie(&mut response, web.cookie(COOKIE, &opened.token, max_age));
            response
        }
        Ok(Err(Redeemed::Used)) => notice(
            StatusCode::GONE,
            "This link was already used",
            "Each link from Kith opens your page once. Type web in chat for a new one.",
        ),
        Ok(Err(Redeemed::Expired)) => notice(
            StatusCode::GONE,
            "This link has expired",
            "Links from Kith work for 15 minutes. Type web in chat for a new one.",
        ),
        Ok(Err(_)) => notice(
            StatusCode::NOT_FOUND,
            "This link does not work",
            "It may have been revoked or copied incompletely. Type web in chat for a new one.",
        ),
        Err(e) => oops(&e),
    }
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    State(web): State<Arc<Web>>,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    let (session, member) = match web.signed_in(&headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let q = query.q.unwrap_or_default();
    let now = web.kith.clock().now();
    match pages::search(web.kith.store().as_ref(), &member, &session.csrf, &q, now).await {
        Ok((status, html)) => page(status, html),
        Err(e) => oops(&e),
    }
}

/// A contact id from a URL; anything else is not found.
fn contact_id(raw: &str) -> Option<ContactId> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).map(ContactId)
}

async fn person(
    State(web): State<Arc<Web>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (session, member) = match web.signed_in(&headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(id) = contact_id(&id) else {
        return not_found();
    };
    let flash = web.take_flash(&headers);
    let now = web.kith.clock().now();
    match pages::person(
        web.kith.store().as_ref(),
        &member,
        &session.csrf,
        id,
        flash,
        now,
    )
    .await
    {
        Ok(Some(html)) => {
            let mut response = page(StatusCode::OK, html);
            if cookie(&headers, FLASH).is_some() {
                set_cookie(&mut response, web.cookie(FLASH, "", 0));
            }
            response
        }
        Ok(None) => not_found(),
        Err(e) => oops(&e),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
    /// Where to go back to: `person` for the person's page, else `/me`.
    back: Option<String>,
}

/// Done, Snooze or Skip on a contact: the very action of the reminder's
/// button (the core's press), as the member.
async fn press(
    State(web): State<Arc<Web>>,
    Path((id, verb)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let (session, member) = match web.checked(&headers, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(id) = contact_id(&id) else {
        return not_found();
    };
    let action = match verb.as_str() {
        "done" => Action::Done(id),
        "snooze" => Action::Snooze(id),
        "skip" => Action::Skip(id),
        _ => return not_found(),
    };
    // Another member's contact, or one gone: not found, and nothing runs.
    match web.kith.store().contact(member.scope(), id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(),
        Err(e) => return oops(&e),
    }
    let pressed = web.kith.press(&session.actor(), &action.to_string()).await;
    let back = match form.back.as_deref() {
        Some("person") => format!("/me/contacts/{}", id.0),
        _ => "/me".to_string(),
    };
    let mut response = see_other(&back);
    let text: String =
        url::form_urlencoded::byte_serialize(pressed.outcome.plain_text().as_bytes()).collect();
    set_cookie(&mut response, web.cookie(FLASH, &text, 60));
    response
}

async fn logout(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(response) = web.checked(&headers, &form).await {
        return response;
    }
    let token = cookie(&headers, COOKIE).unwrap_or("");
    if let Err(e) = web
        .kith
        .store()
        .end_web_session(&kith_bot::web::hash(token))
        .await
    {
        return oops(&e);
    }
    let mut response = see_other("/me?out=1");
    set_cookie(&mut response, web.cookie(COOKIE, "", 0));
    response
}

fn asset(mime: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../assets/kith.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/map.js"),
    )
}
