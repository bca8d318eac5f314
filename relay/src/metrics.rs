//! Prometheus metrics in the text exposition format (`GET /metrics`):
//! counters the API keeps as it answers, and gauges read when scraped
//! (database counts, the chain view's progress).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::StoreStats;

/// Counters the API keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    responses: Mutex<BTreeMap<u16, u64>>,
    stored: AtomicU64,
    duplicates: AtomicU64,
}

/// What a scrape reads besides the counters.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Database counts, if the database answered.
    pub store: Option<StoreStats>,
    /// Whether the chain view follows finalized blocks.
    pub following: bool,
    /// The last finalized block the chain view applied.
    pub applied_through: u64,
}

impl Metrics {
    /// Counts one HTTP response with `status`.
    pub fn response(&self, status: u16) {
        let mut responses = self
            .responses
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        *responses.entry(status).or_default() += 1;
    }

    /// Counts a newly stored envelope.
    pub fn stored(&self) {
        self.stored.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a retried submit answered with the original receipt.
    pub fn duplicate(&self) {
        self.duplicates.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let responses: Vec<_> = self
            .responses
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .iter()
            .map(|(status, count)| (format!("{{status=\"{status}\"}}"), *count))
            .collect();
        metric(
            "inkpost_relay_http_responses_total",
            "counter",
            "HTTP responses by status code.",
            &responses,
        );
        metric(
            "inkpost_relay_envelopes_stored_total",
            "counter",
            "Envelopes newly stored by this instance.",
            &[(String::new(), self.stored.load(Ordering::Relaxed))],
        );
        metric(
            "inkpost_relay_envelopes_duplicate_total",
            "counter",
            "Retried submits answered with the original receipt.",
            &[(String::new(), self.duplicates.load(Ordering::Relaxed))],
        );
        if let Some(store) = gauges.store {
            metric(
                "inkpost_relay_envelopes",
                "gauge",
                "Envelopes in the database.",
                &[(String::new(), store.envelopes)],
            );
            metric(
                "inkpost_relay_envelopes_unbatched",
                "gauge",
                "Envelopes not yet in a batch.",
                &[(String::new(), store.unbatched)],
            );
            metric(
                "inkpost_relay_batches",
                "gauge",
                "Batches formed, by state.",
                &[
                    ("{state=\"anchored\"}".into(), store.anchored_batches),
                    (
                        "{state=\"pending\"}".into(),
                        store.batches.saturating_sub(store.anchored_batches),
                    ),
                ],
            );
        }
        metric(
            "inkpost_relay_database_up",
            "gauge",
            "Whether the database answered this scrape.",
            &[(String::new(), u64::from(gauges.store.is_some()))],
        );
        metric(
            "inkpost_relay_chain_following",
            "gauge",
            "Whether the relay follows finalized blocks.",
            &[(String::new(), u64::from(gauges.following))],
        );
        metric(
            "inkpost_relay_chain_applied_block",
            "gauge",
            "The last finalized block whose events the relay applied.",
            &[(String::new(), gauges.applied_through)],
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_gauges() {
        let metrics = Metrics::default();
        metrics.response(201);
        metrics.response(201);
        metrics.response(403);
        metrics.stored();
        let text = metrics.render(&Gauges {
            store: Some(StoreStats {
                envelopes: 5,
                unbatched: 2,
                batches: 3,
                anchored_batches: 2,
            }),
            following: true,
            applied_through: 17,
        });
        for line in [
            "# TYPE inkpost_relay_http_responses_total counter",
            "inkpost_relay_http_responses_total{status=\"201\"} 2",
            "inkpost_relay_http_responses_total{status=\"403\"} 1",
            "inkpost_relay_envelopes_stored_total 1",
            "inkpost_relay_envelopes_duplicate_total 0",
            "inkpost_relay_envelopes_unbatched 2",
            "inkpost_relay_batches{state=\"pending\"} 1",
            "inkpost_relay_chain_applied_block 17",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in\n{text}"
            );
        }
    }
}
