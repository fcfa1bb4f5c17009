//! NOTIFYs of our subscriptions, routed by Call-ID ahead of ezk's dialog layer.
//!
//! A subscriber registers an ezk [`Usage`] for the Call-ID of its SUBSCRIBE before sending
//! it. [`NotifyRouteLayer`] sits in front of ezk's dialog layer and hands every NOTIFY with
//! that Call-ID to the usage, which answers it. Two reasons not to rely on ezk's dialog
//! layer alone:
//!
//! - RFC 6665 (4.1.2.4) lets the first NOTIFY overtake the 2xx to SUBSCRIBE (and ezk handles
//!   each received message on its own task, so even in-order messages can be seen in the
//!   other order). Before the 2xx there is no dialog to match, and ezk would answer 481,
//!   which ends the new subscription.
//! - ezk 0.9 inserts a dialog and registers its usages in two steps. A NOTIFY arriving in
//!   between is answered 404 by the dialog layer (seen under load with hundreds of
//!   subscriptions), and a notifier drops a subscription whose NOTIFY failed.

use async_trait::async_trait;
use ezk_sip_core::{Endpoint, IncomingRequest, Layer, MayTake};
use ezk_sip_types::Method;
use ezk_sip_ua::dialog::Usage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Routes = HashMap<String, Arc<dyn Usage>>;

/// The table of Call-IDs whose NOTIFYs a subscriber takes.
#[derive(Clone, Default)]
pub(crate) struct NotifyRoutes {
    usages: Arc<Mutex<Routes>>,
}

/// Keeps a Call-ID routed while it lives.
pub struct NotifyRoute {
    routes: NotifyRoutes,
    call_id: String,
}

impl NotifyRoutes {
    /// Hands NOTIFYs with `call_id` to `usage` until the returned guard is dropped.
    pub(crate) fn add(&self, call_id: &str, usage: Arc<dyn Usage>) -> NotifyRoute {
        self.lock().insert(call_id.to_string(), usage);
        NotifyRoute {
            routes: self.clone(),
            call_id: call_id.to_string(),
        }
    }

    fn usage_for(&self, call_id: &str) -> Option<Arc<dyn Usage>> {
        self.lock().get(call_id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Routes> {
        // A panic elsewhere while holding the lock leaves a usable map.
        self.usages.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for NotifyRoute {
    fn drop(&mut self) {
        self.routes.lock().remove(&self.call_id);
    }
}

impl std::fmt::Debug for NotifyRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NotifyRoute({})", self.call_id)
    }
}

/// The endpoint layer in front of ezk's dialog layer that delivers routed NOTIFYs.
pub(crate) struct NotifyRouteLayer {
    routes: NotifyRoutes,
}

impl NotifyRouteLayer {
    pub(crate) fn new(routes: NotifyRoutes) -> Self {
        NotifyRouteLayer { routes }
    }
}

#[async_trait]
impl Layer for NotifyRouteLayer {
    fn name(&self) -> &'static str {
        "frontdesk-notify-routes"
    }

    async fn receive(&self, endpoint: &Endpoint, request: MayTake<'_, IncomingRequest>) {
        if request.line.method != Method::NOTIFY {
            return;
        }
        // Cloned out of the lock: the usage may take its time answering.
        let Some(usage) = self.routes.usage_for(&request.base_headers.call_id.0) else {
            return;
        };
        usage.receive(endpoint, request).await;
    }
}
