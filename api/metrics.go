package api

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
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
