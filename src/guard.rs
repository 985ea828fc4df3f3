//! Submits that never leave a job running unseen.
//!
//! `POST /v2/generate/async` is not idempotent, and aborting it in flight would leave a job
//! that the server created and nobody knows the id of: it runs and is charged. So a submit is
//! never aborted once sent. It runs as its own task; the caller waits for it, or for its stop
//! signal (abort or timeout). When the stop comes first, the caller waits a grace period for
//! the answer (to cancel the job itself, knowing its id), then gives up on it: the task stays
//! behind and cancels the job if the answer still brings one.

use crate::endpoints::{PathArgs, IMAGE_CANCEL};
use crate::error::Error;
use crate::ids::JobId;
use crate::js;
use crate::models::{ImageGenerateAsyncResponse, ImageGenerateStatusResponse};
use crate::service::Service;
use crate::transport::Call;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// What a guarded submit gives: horde-core's lifecycle type, for an image request.
pub type Submitted = horde_core::lifecycle::Submitted<ImageGenerateAsyncResponse>;

#[derive(Default)]
struct Slot {
    result: Option<Result<ImageGenerateAsyncResponse, Error>>,
    abandoned: bool,
    waker: Option<Waker>,
}

/// Resolves when the slot is filled.
struct Filled(Rc<RefCell<Slot>>);

impl Future for Filled {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut slot = self.0.borrow_mut();
        if slot.result.is_some() {
            Poll::Ready(())
        } else {
            slot.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// `true` if `a` finished first, `false` if `b` did.
struct First<A, B>(Pin<Box<A>>, Pin<Box<B>>);

impl<A: Future, B: Future> Future for First<A, B> {
    type Output = bool;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.0.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        if self.1.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        Poll::Pending
    }
}

/// Whether the slot fills before `ms` pass or `signal` aborts.
async fn first(slot: &Rc<RefCell<Slot>>, ms: f64, signal: &JsValue) -> bool {
    let wait = js::Wait::new(ms, signal);
    let filled = First(
        Box::pin(Filled(slot.clone())),
        Box::pin(JsFuture::from(wait.promise())),
    )
    .await;
    wait.cancel();
    filled
}

/// Sends `call` (a submit) as its own task and waits for its answer, or for `stop` (an
/// `AbortSignal`) followed by `grace_ms`.
pub async fn submit_guarded(
    service: Rc<Service>,
    mut call: Call,
    stop: &JsValue,
    grace_ms: f64,
) -> Submitted {
    // The task's own signal only stops its pacing and retry waits (nothing is sent then); a
    // request in flight always runs to its answer.
    if crate::transport::aborted(stop) {
        // Stopped before anything was sent.
        return Submitted::Stopped(None);
    }
    let retries = js::Deadline::new(f64::INFINITY, &JsValue::UNDEFINED);
    call.signal = retries.signal();
    call.abort_in_flight = false;
    let slot = Rc::new(RefCell::new(Slot::default()));
    {
        let (service, slot) = (service.clone(), slot.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let result = service
                .send_typed::<ImageGenerateAsyncResponse>(&call)
                .await;
            let abandoned = slot.borrow().abandoned;
            if abandoned {
                if let Ok(created) = result {
                    cancel_orphan(&service, &created.id).await;
                }
                return;
            }
            let mut s = slot.borrow_mut();
            s.result = Some(result);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        });
    }
    let answered_first = first(&slot, f64::INFINITY, stop).await;
    if answered_first {
        let result = slot.borrow_mut().result.take();
        retries.clear();
        return Submitted::Answered(
            result.unwrap_or_else(|| Err(Error::invalid("submit", "no answer"))),
        );
    }
    // Stopped: no new attempt; give the one in flight a grace period to answer.
    retries.abort();
    let answered_in_grace = grace_ms > 0.0 && first(&slot, grace_ms, &JsValue::UNDEFINED).await;
    let mut s = slot.borrow_mut();
    // An answer that landed between the timer and here counts too (nothing is lost).
    if answered_in_grace || s.result.is_some() {
        return Submitted::Stopped(s.result.take().and_then(Result::ok));
    }
    s.abandoned = true;
    Submitted::Stopped(None)
}

/// Cancels a job whose submit answered after its caller had given up.
async fn cancel_orphan(service: &Service, id: &str) {
    let Ok(job) = JobId::parse(id) else { return };
    let opts = crate::service::RequestOptions {
        signal: JsValue::UNDEFINED,
        timeout_ms: Some(10_000.0),
        max_retries: Some(3),
        // The page may be closing (see the lifecycle's cancel).
        keepalive: Some(true),
    };
    let _ = service
        .call(&IMAGE_CANCEL, &PathArgs::job(&job), None, &opts)
        .await
        .map(|_: ImageGenerateStatusResponse| ());
}
