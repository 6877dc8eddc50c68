//! The SaaS integration check at product release (docs/INTEGRATION.md): a `saas` product
//! declares the callback URL the marketplace calls on purchase, renewal and expiry; "Test the
//! integration" sends it signed test calls and records each request, answer and verdict; and a
//! `saas` product is submitted for review only after a passing test of its current URL with the
//! provider's current key.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::integration_key::{current_version, signing_keys};
use super::limits;
use super::move_in::require_moved_in;
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::product::{ProductData, ProductForm};
use crate::domain::signature;
use crate::outbound::{Answer, CallError, Vetted};
use crate::store::integration::{self as integration_store, TestRow};
use crate::store::products::{self as product_store, RevisionRow};
use crate::store::{self, Tx};
use crate::time_util::{now_ms, rfc3339};

/// The whole test must finish inside the request's 30 s; each call gets at most 10 s of it.
const BUDGET_MS: u64 = 24_000;

/// How many records `GET …/integration-tests` shows.
const SHOWN: i64 = 20;

/// One call of a test: what was sent, what came back, and the verdict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepRecord {
    /// `create_instance`, `create_instance_retry`, `renew_instance` or `expired_instance`.
    pub step: String,
    /// The `action` sent: `createInstance`, `renewInstance` or `expiredInstance`.
    pub action: String,
    pub request: RequestRecord,
    /// The answer; absent when none came (`error` says why) or the step was skipped.
    pub response: Option<ResponseRecord>,
    /// Why no answer came: `timeout`, `connect_failed` or `request_failed`.
    pub error: Option<String>,
    /// `passed`, `failed` or `skipped`.
    pub verdict: String,
    /// Why it did not pass: `no_answer`, `status`, `not_json`, `instance_id_missing`,
    /// `instance_id_changed`, `no_instance`, `out_of_time`.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    /// The headers sent (none of them secret: the signature is of this body only).
    pub headers: Vec<HeaderRecord>,
    /// The JSON body sent.
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeaderRecord {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResponseRecord {
    pub status: u16,
    pub latency_ms: u64,
    /// The start of the answer's body (at most 1000 characters).
    pub excerpt: String,
}

/// One run of "Test the integration".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestRecord {
    pub id: String,
    pub product_id: String,
    pub callback_url: String,
    /// The version of the integration key the calls were signed with.
    pub key_version: i64,
    /// `passed` or `failed`.
    pub verdict: String,
    /// Whether this record tests the product's callback URL and key as they are now: only such
    /// a pass lets the product be submitted.
    pub current: bool,
    pub started_at: String,
    #[serde(skip)]
    pub started_ms: i64,
    pub finished_at: String,
    pub steps: Vec<StepRecord>,
}

fn record_of(r: &TestRow, current: Option<(&str, i64)>) -> TestRecord {
    TestRecord {
        id: r.id.clone(),
        product_id: r.product_id.clone(),
        callback_url: r.callback_url.clone(),
        key_version: r.key_version,
        verdict: r.verdict.clone(),
        current: current.is_some_and(|(url, v)| url == r.callback_url && v == r.key_version),
        started_at: rfc3339(r.started_at),
        started_ms: r.started_at,
        finished_at: rfc3339(r.finished_at),
        steps: serde_json::from_str(&r.steps).unwrap_or_default(),
    }
}

/// What a product's create or update does to its callback URL.
pub enum CallbackChange {
    Keep,
    Clear,
    Set(String),
}

/// Adds the callback URL's check to the product form's: for a `saas` product the URL is vetted
/// (an address the marketplace may call) and its error joins the form's; any other delivery has
/// no callback URL (it is cleared, whatever was typed).
pub(super) async fn with_callback(
    ctx: &Ctx,
    form: &ProductForm,
    checked: Result<ProductData>,
) -> Result<(ProductData, CallbackChange)> {
    let saas = form.delivery.as_deref().map(str::trim) == Some("saas");
    let change = match form.callback_url.as_deref().map(str::trim) {
        _ if !saas => Ok(CallbackChange::Clear),
        None => Ok(CallbackChange::Keep),
        Some("") => Ok(CallbackChange::Clear),
        Some(url) => match ctx.outbound.vet(url).await {
            Ok(v) => Ok(CallbackChange::Set(v.url().to_string())),
            Err(refusal) => Err(refusal.on("callback_url")),
        },
    };
    match (checked, change) {
        (Ok(data), Ok(change)) => Ok((data, change)),
        (Ok(_), Err(field)) => Err(Error::Validation(vec![field])),
        (Err(Error::Validation(mut fields)), Err(field)) => {
            fields.push(field);
            Err(Error::Validation(fields))
        }
        (Err(e), _) => Err(e),
    }
}

/// Applies the form's change to the revision being edited (the URL comes into force with it).
pub(super) fn apply_callback(revision: &mut RevisionRow, c: CallbackChange) {
    match c {
        CallbackChange::Keep => {}
        CallbackChange::Clear => revision.callback_url = None,
        CallbackChange::Set(url) => revision.callback_url = Some(url),
    }
}

/// The submission gate: a `saas` product needs a callback URL and a passing test of it with the
/// provider's current key (`409 integration_test_required`).
pub(super) async fn require_pass(
    tx: &mut Tx,
    product_id: &str,
    provider_id: &str,
    data: &ProductData,
) -> Result<()> {
    if data.delivery != "saas" {
        return Ok(());
    }
    let Some(url) = integration_store::callback_url(&mut **tx, product_id).await? else {
        return Err(Error::field("callback_url", "required"));
    };
    let Some(version) = current_version(&mut **tx, provider_id).await? else {
        return Err(Error::Conflict("integration_test_required"));
    };
    if !integration_store::has_pass(&mut **tx, product_id, &url, version).await? {
        return Err(Error::Conflict("integration_test_required"));
    }
    Ok(())
}

/// The product's test records, newest first, each saying whether it tests the URL and key in
/// force now.
pub async fn list(ctx: &Ctx, account: &AccountView, product_id: &str) -> Result<Vec<TestRecord>> {
    require_moved_in(ctx, account).await?;
    let product = product_store::get(ctx.db.pool(), product_id)
        .await?
        .filter(|p| p.account_id == account.id)
        .ok_or(Error::NotFound)?;
    records(ctx, &product.id, &product.account_id, SHOWN).await
}

/// The newest record of a product, for the reviewer's screen (no owner check: staff only).
pub async fn latest(ctx: &Ctx, product_id: &str) -> Result<Option<TestRecord>> {
    let Some(product) = product_store::get(ctx.db.pool(), product_id).await? else {
        return Ok(None);
    };
    Ok(records(ctx, product_id, &product.account_id, 1)
        .await?
        .into_iter()
        .next())
}

async fn records(
    ctx: &Ctx,
    product_id: &str,
    provider_id: &str,
    limit: i64,
) -> Result<Vec<TestRecord>> {
    let url = integration_store::callback_url(ctx.db.pool(), product_id).await?;
    let version = current_version(ctx.db.pool(), provider_id).await?;
    let current = url.as_deref().zip(version);
    Ok(
        integration_store::tests_of(ctx.db.pool(), product_id, limit)
            .await?
            .iter()
            .map(|r| record_of(r, current))
            .collect(),
    )
}

/// The delivery of the product's revision being worked on, else of its live one.
async fn delivery_of(ctx: &Ctx, p: &product_store::ProductRow) -> Result<String> {
    let id = p
        .working_revision_id
        .as_ref()
        .or(p.live_revision_id.as_ref());
    let data: ProductData = match id {
        Some(id) => product_store::revision(ctx.db.pool(), id)
            .await?
            .and_then(|r| serde_json::from_str(&r.data).ok())
            .unwrap_or_default(),
        None => ProductData::default(),
    };
    Ok(data.delivery)
}

/// Runs the test: `createInstance`, the same `createInstance` again (same request and order id:
/// the answer must name the same instance), `renewInstance` and `expiredInstance`, each signed
/// and marked `test: true`. Passes only if every call does.
#[tracing::instrument(name = "integration_test::run", skip_all, fields(account = %account.id, product = %product_id))]
pub async fn run(ctx: &Ctx, account: &AccountView, product_id: &str) -> Result<TestRecord> {
    require_moved_in(ctx, account).await?;
    let product = product_store::get(ctx.db.pool(), product_id)
        .await?
        .filter(|p| p.account_id == account.id)
        .ok_or(Error::NotFound)?;
    if delivery_of(ctx, &product).await? != "saas" {
        return Err(Error::Conflict("not_saas"));
    }
    let url = integration_store::callback_url(ctx.db.pool(), product_id)
        .await?
        .ok_or(Error::Conflict("callback_url_required"))?;
    let keys = signing_keys(ctx, &account.id)
        .await?
        .ok_or(Error::Conflict("integration_key_required"))?;
    let vetted = ctx
        .outbound
        .vet(&url)
        .await
        .map_err(|r| Error::Validation(vec![r.on("callback_url")]))?;
    // Each run makes four calls out: a provider's runs are bounded
    // (`limits.integration_tests_per_provider`), counted in the database.
    let runs = ctx.bucket(
        ctx.limits.integration_tests_per_provider,
        "integration-test/provider",
        &account.id,
    );
    limits::take(ctx, &[&runs]).await?;
    let started = now_ms();
    let mut caller = Caller {
        ctx,
        vetted: &vetted,
        keys: keys.keys.iter().map(|k| k.as_slice()).collect(),
        deadline: std::time::Instant::now() + std::time::Duration::from_millis(BUDGET_MS),
    };
    let steps = caller.steps(product_id).await;
    let passed = steps.iter().all(|s| s.verdict == "passed");
    let row = TestRow {
        id: uuid::Uuid::now_v7().to_string(),
        product_id: product_id.to_string(),
        account_id: account.id.clone(),
        callback_url: url.clone(),
        key_version: keys.version,
        verdict: if passed { "passed" } else { "failed" }.into(),
        steps: serde_json::to_string(&steps).map_err(|e| Error::Internal(e.to_string()))?,
        started_at: started,
        finished_at: now_ms(),
    };
    let mut tx = ctx.db.begin_for_account_relaxed(&account.id).await?;
    integration_store::insert_test(&mut tx, &row).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "product.integration_tested", product_id).detail(json!({
            "test": row.id, "verdict": row.verdict, "key_version": row.key_version,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(record_of(&row, Some((&url, keys.version))))
}

/// Sends the test calls, signed with the keys in force, within the test's time budget.
struct Caller<'a> {
    ctx: &'a Ctx,
    vetted: &'a Vetted,
    keys: Vec<&'a [u8]>,
    deadline: std::time::Instant,
}

impl Caller<'_> {
    async fn steps(&mut self, product_id: &str) -> Vec<StepRecord> {
        let order_id = format!("test-order-{}", uuid::Uuid::new_v4().simple());
        let create_request = uuid::Uuid::new_v4().to_string();
        let base = |action: &str, request_id: &str| {
            json!({
                "action": action,
                "request_id": request_id,
                "order_id": order_id,
                "product_id": product_id,
                "test": true,
                "timestamp": rfc3339(now_ms()),
            })
        };
        let mut create = base("createInstance", &create_request);
        create["plan"] = json!({"name": "test", "billing": "monthly", "quantity": 1});
        let (first, first_id) = self.call("create_instance", create.clone(), None).await;
        // The retry is the same call again (same request id, same order), as after a lost answer.
        let (retry, _) = self
            .call("create_instance_retry", create, Some(first_id.clone()))
            .await;
        let mut steps = vec![first, retry];
        let Some(instance_id) = first_id else {
            for (step, action) in [
                ("renew_instance", "renewInstance"),
                ("expired_instance", "expiredInstance"),
            ] {
                steps.push(skipped(step, action, self.vetted.url(), "no_instance"));
            }
            return steps;
        };
        let mut renew = base("renewInstance", &uuid::Uuid::new_v4().to_string());
        renew["instance_id"] = json!(instance_id);
        renew["expires_at"] = json!(rfc3339(now_ms() + 30 * crate::time_util::DAY_MS));
        steps.push(self.call("renew_instance", renew, None).await.0);
        let mut expire = base("expiredInstance", &uuid::Uuid::new_v4().to_string());
        expire["instance_id"] = json!(instance_id);
        steps.push(self.call("expired_instance", expire, None).await.0);
        steps
    }

    /// One signed call and its verdict. `expect`: for a retried create, the instance id the
    /// first answer named (`Some(None)`: it named none). Returns the instance id answered.
    async fn call(
        &mut self,
        step: &str,
        body: Value,
        expect: Option<Option<String>>,
    ) -> (StepRecord, Option<String>) {
        let action = body["action"].as_str().unwrap_or_default().to_string();
        let text = body.to_string();
        let t = now_ms() / 1000;
        let sig = signature::header_value(&self.keys, t, text.as_bytes());
        let headers = [
            ("content-type", "application/json"),
            (signature::HEADER, sig.as_str()),
        ];
        let request = RequestRecord {
            method: "POST".into(),
            url: self.vetted.url().to_string(),
            headers: headers
                .iter()
                .map(|(n, v)| HeaderRecord {
                    name: (*n).to_string(),
                    value: (*v).to_string(),
                })
                .collect(),
            body: text.clone(),
        };
        let left = self
            .deadline
            .saturating_duration_since(std::time::Instant::now());
        if left.as_millis() < 500 {
            let mut r = skipped(step, &action, self.vetted.url(), "out_of_time");
            r.request = request;
            return (r, None);
        }
        let answer = self
            .ctx
            .outbound
            .post_within(self.vetted, &headers, text.into_bytes(), left)
            .await;
        judge(step, &action, request, answer, expect.as_ref())
    }
}

fn skipped(step: &str, action: &str, url: &str, reason: &str) -> StepRecord {
    StepRecord {
        step: step.into(),
        action: action.into(),
        request: RequestRecord {
            method: "POST".into(),
            url: url.into(),
            headers: Vec::new(),
            body: String::new(),
        },
        response: None,
        error: None,
        verdict: "skipped".into(),
        reason: Some(reason.into()),
    }
}

/// The verdict on one answer: 2xx, a JSON object, and for a create an `instance_id` (the same
/// one again on the retry).
fn judge(
    step: &str,
    action: &str,
    request: RequestRecord,
    answer: std::result::Result<Answer, CallError>,
    expect: Option<&Option<String>>,
) -> (StepRecord, Option<String>) {
    let mut record = StepRecord {
        step: step.into(),
        action: action.into(),
        request,
        response: None,
        error: None,
        verdict: "failed".into(),
        reason: None,
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            record.error = Some(e.code().into());
            record.reason = Some("no_answer".into());
            return (record, None);
        }
    };
    record.response = Some(ResponseRecord {
        status: answer.status,
        latency_ms: answer.latency_ms,
        excerpt: answer.excerpt(),
    });
    let json: Option<Value> = serde_json::from_slice(&answer.body)
        .ok()
        .filter(Value::is_object);
    let instance_id = json
        .as_ref()
        .and_then(|j| j.get("instance_id"))
        .and_then(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    let creates = action == "createInstance";
    let reason = if !answer.is_success() {
        Some("status")
    } else if json.is_none() {
        Some("not_json")
    } else if creates && instance_id.is_none() {
        Some("instance_id_missing")
    } else if let Some(first) = expect {
        // A retry must answer with the first answer's instance (a first answer without one
        // already failed, and so does its retry).
        (first.is_none() || *first != instance_id).then_some("instance_id_changed")
    } else {
        None
    };
    match reason {
        None => record.verdict = "passed".into(),
        Some(r) => record.reason = Some(r.into()),
    }
    (record, instance_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> std::result::Result<Answer, CallError> {
        Ok(Answer {
            status,
            latency_ms: 3,
            body: body.as_bytes().to_vec(),
            truncated: false,
        })
    }

    fn request() -> RequestRecord {
        RequestRecord {
            method: "POST".into(),
            url: "https://x.example/cb".into(),
            headers: Vec::new(),
            body: "{}".into(),
        }
    }

    fn reason(
        action: &str,
        a: std::result::Result<Answer, CallError>,
        expect: Option<&Option<String>>,
    ) -> Option<String> {
        judge("s", action, request(), a, expect).0.reason
    }

    #[test]
    fn each_answer_gets_its_verdict() {
        let ok = r#"{"instance_id":"i-1"}"#;
        assert_eq!(reason("createInstance", answer(200, ok), None), None);
        assert_eq!(
            reason("createInstance", answer(500, ok), None).as_deref(),
            Some("status")
        );
        assert_eq!(
            reason("createInstance", answer(200, "ok"), None).as_deref(),
            Some("not_json")
        );
        assert_eq!(
            reason("createInstance", answer(200, "{}"), None).as_deref(),
            Some("instance_id_missing")
        );
        let first = Some("i-1".to_string());
        assert_eq!(
            reason("createInstance", answer(200, ok), Some(&first)),
            None
        );
        let other = Some("i-2".to_string());
        assert_eq!(
            reason("createInstance", answer(200, ok), Some(&other)).as_deref(),
            Some("instance_id_changed")
        );
        assert_eq!(reason("renewInstance", answer(204, "{}"), None), None);
        assert_eq!(
            reason("renewInstance", Err(CallError::Timeout), None).as_deref(),
            Some("no_answer")
        );
    }
}
