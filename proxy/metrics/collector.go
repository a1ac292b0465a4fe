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
	pending, sessions, tcpConns    *prometheus.Desc

	// The H.248 and MGCP shares of the totals above.
	h248, mgcp  share
	mgcpDomains *prometheus.Desc
}

// share is one protocol's part of the totals: its own families, named
// <proto>_messages_received_total and so on.
type share struct {
	received, sent, local, registrations, txns *prometheus.Desc
}

// newShare builds the families of a protocol share; name is how help texts
// call the protocol, socket where its datagrams arrive.
func newShare(proto, name, socket string) share {
	d := func(suffix, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, proto, suffix), help,
			labels, nil)
	}
	return share{
		received: d("messages_received_total",
			"Datagrams received on the "+socket+" (included in messages_received_total)."),
		sent: d("messages_sent_total",
			"Datagrams sent from the "+socket+" (included in messages_sent_total)."),
		local: d("local_replies_total",
			name+" error replies the proxy built itself (included in local_replies_total)."),
		registrations: d("registrations_total",
			name+" registrations by outcome (included in registrations_total).", "outcome"),
		txns: d("transactions", "Open "+name+" transactions from gateways."),
	}
}

func (s share) descs() []*prometheus.Desc {
	return []*prometheus.Desc{s.received, s.sent, s.local, s.registrations, s.txns}
}

// collect sends the share's values from one snapshot.
func (s share) collect(ch chan<- prometheus.Metric, in, out, local, reg, dereg uint64,
	txns int) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(s.received, in)
	counter(s.sent, out)
	counter(s.local, local)
	counter(s.registrations, reg, "registered")
	counter(s.registrations, dereg, "deregistered")
	ch <- prometheus.MustNewConstMetric(s.txns, prometheus.GaugeValue, float64(txns))
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
		pending:  d("pending_registrations", "Registrations in progress, all protocols."),
		sessions: d("sessions", "Live session keys (registered terminals), all protocols."),
		tcpConns: d("tcp_connections", "Open TCP connections, SIP and H.248."),

		h248: newShare("h248", "H.248", "H.248 socket"),
		mgcp: newShare("mgcp", "MGCP", "MGCP sockets"),
		mgcpDomains: d("mgcp_domains",
			"Endpoint domains learned from RSIP, which route the call agent's commands."),
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
// message: cmd/sigproxy hands it to proxy.Handler.SetHandlingObserver.
func (c *Collector) HandlingLatency() prometheus.Histogram { return c.latency }

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	descs := []*prometheus.Desc{c.received, c.sent, c.handled, c.local,
		c.registrations, c.events, c.chosen, c.pending, c.sessions, c.tcpConns, c.mgcpDomains}
	descs = append(append(descs, c.h248.descs()...), c.mgcp.descs()...)
	for _, d := range descs {
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
	gauge(c.tcpConns, st.TCPConns)
	h, m := st.H248, st.MGCP
	c.h248.collect(ch, h.MessagesIn, h.MessagesOut, h.LocalReplies, h.Registered,
		h.Deregistered, h.Transactions)
	c.mgcp.collect(ch, m.MessagesIn, m.MessagesOut, m.LocalReplies, m.Registered,
		m.Deregistered, m.Transactions)
	gauge(c.mgcpDomains, m.Domains)
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
