package metrics

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sigproxy/sigproxy/proxy"
)

const namespace = "sigproxy"

// Source is what the collector reads on each scrape; *proxy.Handler
// implements it.
type Source interface {
	Stats() proxy.Stats
}

// handlingBuckets are the handling-latency histogram's upper bounds in
// seconds: a message's step takes microseconds, a send that waits on a full
// socket buffer up to milliseconds; beyond 100 ms something is wrong.
var handlingBuckets = []float64{
	1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 0.025, 0.1,
}

// Collector is a prometheus.Collector that turns the proxy's counters into
// metrics on each scrape. Counters are read from one Stats snapshot per
// scrape, so the values of one scrape are consistent with each other up to
// the atomics the proxy updates concurrently. It is safe for concurrent use.
type Collector struct {
	src     Source
	reasons []string // every proxy.Reason name but "none", in numbering order
	latency prometheus.Histogram

	received, sent, handled, local *prometheus.Desc
	registrations, events, chosen  *prometheus.Desc
	pending, sessions              *prometheus.Desc

	// The H.248 share of the totals above.
	h248Received, h248Sent, h248Local *prometheus.Desc
	h248Registrations, h248Txns       *prometheus.Desc
}

// NewCollector returns a Collector reading src.
func NewCollector(src Source) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil)
	}
	return &Collector{
		src:     src,
		reasons: reasonNames(),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "message_handling_seconds",
			Help:      "Time from a datagram's arrival to the end of its handling, send included.",
			Buckets:   handlingBuckets,
		}),
		received: d("messages_received_total", "Datagrams received."),
		sent:     d("messages_sent_total", "Datagrams sent, forwarded or built locally."),
		handled: d("messages_handled_total",
			"Datagrams whose handling, send included, is complete."),
		local: d("local_replies_total", "Responses the proxy built itself."),
		registrations: d("registrations_total",
			"Registrations by outcome: registered (a verified session key is live) or "+
				"deregistered (removed by a zero expiry). Failures are in events_total.",
			"outcome"),
		events: d("events_total",
			"Messages dropped or answered locally and registrations failed, by reason.",
			"reason"),
		chosen: d("mechanism_chosen_total",
			"Security mechanisms the proxy chose in negotiation, by mechanism.", "mechanism"),
		pending:  d("pending_registrations", "Registrations in progress, SIP and H.248."),
		sessions: d("sessions", "Live session keys (registered terminals), SIP and H.248."),

		h248Received: d("h248_messages_received_total",
			"Datagrams received on the H.248 socket (included in messages_received_total)."),
		h248Sent: d("h248_messages_sent_total",
			"Datagrams sent from the H.248 socket (included in messages_sent_total)."),
		h248Local: d("h248_local_replies_total",
			"H.248 Error replies the proxy built itself (included in local_replies_total)."),
		h248Registrations: d("h248_registrations_total",
			"H.248 registrations by outcome (included in registrations_total).", "outcome"),
		h248Txns: d("h248_transactions", "Open H.248 transactions from gateways."),
	}
}

// reasonNames lists the proxy's reason names. Reason values are dense from
// 1; String returns "unknown" past the last one.
func reasonNames() []string {
	var names []string
	for r := proxy.Reason(1); r != 0 && r.String() != "unknown"; r++ {
		names = append(names, r.String())
	}
	return names
}

// HandlingLatency returns the sigproxy_message_handling_seconds histogram,
// collected with the rest. Observe(seconds) on it allocates nothing and is
// safe from any goroutine (atomic adds), so an event loop may feed it per
// message; it is not yet fed by the proxy.
func (c *Collector) HandlingLatency() prometheus.Histogram { return c.latency }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.received, c.sent, c.handled, c.local,
		c.registrations, c.events, c.chosen, c.pending, c.sessions,
		c.h248Received, c.h248Sent, c.h248Local, c.h248Registrations, c.h248Txns} {
		ch <- d
	}
	c.latency.Describe(ch)
}

// Collect implements prometheus.Collector: one Stats snapshot per scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.received, st.MessagesIn)
	counter(c.sent, st.MessagesOut)
	counter(c.handled, st.Handled)
	counter(c.local, st.LocalReplies)
	counter(c.registrations, st.Registered, "registered")
	counter(c.registrations, st.Deregistered, "deregistered")
	// Every reason, zero included, so rate() and alerts work before the
	// first occurrence; then any name the snapshot has beyond the known ones.
	for _, r := range c.reasons {
		counter(c.events, st.Reasons[r], r)
	}
	for _, r := range sortedKeys(st.Reasons) {
		if !slices.Contains(c.reasons, r) {
			counter(c.events, st.Reasons[r], r)
		}
	}
	for _, m := range sortedKeys(st.ChosenByMech) {
		counter(c.chosen, st.ChosenByMech[m], m)
	}
	gauge := func(d *prometheus.Desc, v int) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	gauge(c.pending, st.Pending)
	gauge(c.sessions, st.Sessions)
	h := st.H248
	counter(c.h248Received, h.MessagesIn)
	counter(c.h248Sent, h.MessagesOut)
	counter(c.h248Local, h.LocalReplies)
	counter(c.h248Registrations, h.Registered, "registered")
	counter(c.h248Registrations, h.Deregistered, "deregistered")
	gauge(c.h248Txns, h.Transactions)
	c.latency.Collect(ch)
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
