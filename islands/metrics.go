package islands

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	fragments   *prometheus.CounterVec
	limited     *prometheus.CounterVec
	cacheErrors *prometheus.CounterVec
	badCookies  *prometheus.CounterVec
	stale       *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_island_requests_total", Help: "Island requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wandstore_island_request_seconds", Help: "Island request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"route"}),
		fragments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_fragment_cache_total", Help: "Fragment cache lookups by result (hit, miss, error).",
		}, []string{"result"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_rate_limited_total", Help: "Requests refused by a rate limit, by scope (ip, shopper).",
		}, []string{"scope"}),
		cacheErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_cache_errors_total", Help: "Cache (Olric) errors that fell back to the durable store or local counting, by operation.",
		}, []string{"op"}),
		badCookies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_session_rejected_total", Help: "Shopper cookies rejected (a new session was started), by reason.",
		}, []string{"reason"}),
		stale: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wandstore_cache_stale_total", Help: "Hot copies older than the shopper's last acknowledged write, read as a miss, by what was read (state, state_version).",
		}, []string{"what"}),
	}
	reg.MustRegister(m.requests, m.latency, m.fragments, m.limited, m.cacheErrors, m.badCookies, m.stale)
	// Process and Go runtime metrics, unless the caller's registry has them.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
}

// healthz says the process is up and serving.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz says whether this member can do its job: the database and the
// cache answer. A failing cache still serves (from the database), but the
// member reports not ready so an operator and a load balancer see it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"database": "ok", "cache": "ok"}
	code := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		status["database"], code = "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: database", "err", err)
	}
	if s.cache == nil {
		status["cache"] = "disabled"
	} else if err := s.cache.Ping(ctx); err != nil {
		status["cache"], code = "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: cache", "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
