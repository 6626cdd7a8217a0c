package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/authgate/authgate/models"
)

type metrics struct {
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	authcheckChecks prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		requests: f.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authgate",
			Name:      "http_requests_total",
			Help:      "HTTP requests by method, route and status code.",
		}, []string{"method", "route", "code"}),
		duration: f.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "authgate",
			Name:      "http_request_duration_seconds",
			Help:      "HTTP request latency by method and route.",
			Buckets:   prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"method", "route"}),
		authcheckChecks: f.NewHistogram(prometheus.HistogramOpts{
			Namespace: "authgate",
			Name:      "authcheck_checks",
			Help:      "Checks per authcheck request.",
			Buckets:   []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
		}),
	}
}

// outboxCollector reports the relationship outbox at each scrape: a
// backlog that grows while SpiceDB answers means a stuck sync, one that
// grows while it does not is an outage, and rejected rows mean SpiceDB
// refuses what the database says.
type outboxCollector struct {
	stats                  func(context.Context) (models.OutboxStats, error)
	pending, rejected, age *prometheus.Desc
}

func newOutboxCollector(stats func(context.Context) (models.OutboxStats, error)) *outboxCollector {
	return &outboxCollector{
		stats: stats,
		pending: prometheus.NewDesc("authgate_relationship_outbox_pending",
			"Relationship changes saved in the database and not yet in SpiceDB.", nil, nil),
		rejected: prometheus.NewDesc("authgate_relationship_outbox_rejected",
			"Relationship changes SpiceDB refused; they are kept and retried every minute.", nil, nil),
		age: prometheus.NewDesc("authgate_relationship_outbox_oldest_age_seconds",
			"Age of the oldest relationship change not yet in SpiceDB; 0 when there is none.", nil, nil),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.rejected
	ch <- c.age
}

// statsTimeout keeps a scrape from hanging on a database that does not
// answer; the scrape then simply lacks these metrics.
const statsTimeout = 2 * time.Second

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if !st.Oldest.IsZero() {
		age = time.Since(st.Oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.rejected, prometheus.GaugeValue, float64(st.Rejected))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}
