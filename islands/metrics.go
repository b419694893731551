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

	"github.com/wandstore/wandstore/islands/shopper"
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
	_, _ = w.Write([]byte("ok\n"))
}

// clusterMember is a Cache that is a member of a cluster and can say what
// it sees of it (islands/cache). A Cache without it reports no "cluster"
// detail and no cluster metrics.
type clusterMember interface {
	Membership() shopper.Membership
}

// readyz says whether this member can serve: its database answers and its
// own cache member answers (a local check: a peer that dies is not this
// member's failure). A failing cache still serves (from the database), but
// the member reports not ready so an operator and a load balancer see it.
//
// The cluster as this member sees it is in the JSON ("cluster") and in
// /metrics. A split (fewer members seen than expected) does not make the
// member unready: it serves correctly from its database, and taking every
// side of a partition out of the load balancer would turn a degraded
// cache into an outage. It is for an operator to see and act on.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]any{"database": "ok", "cache": "ok"}
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
	if s.member != nil {
		m := s.member.Membership()
		status["cluster"] = clusterStatus{
			Self: m.Self, Members: len(m.Members), Names: m.Members, Coordinator: m.Coordinator,
			Expected: m.Expected, Split: m.Split,
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}

// clusterStatus is /readyz's "cluster".
type clusterStatus struct {
	Self        string   `json:"self"`
	Members     int      `json:"members"`
	Names       []string `json:"names"`
	Coordinator string   `json:"coordinator"`
	Expected    int      `json:"expected"`
	Split       bool     `json:"split"`
}

// clusterCollector reports, at each scrape, the cluster as this member
// sees it:
//
//	wandstore_cluster_members              members seen, this one included
//	wandstore_cluster_expected_members     members expected
//	wandstore_cluster_split                1 when fewer are seen than expected
//	wandstore_cluster_member{member}       1 per member seen, by name
//	wandstore_cluster_coordinator{member}  1 for the coordinator seen
//
// Alert on wandstore_cluster_split == 1; the member series say who is
// missing, and two members naming different coordinators are a
// partition.
type clusterCollector struct {
	cm                                   clusterMember
	members, expected, split, member, co *prometheus.Desc
}

func newClusterCollector(cm clusterMember) *clusterCollector {
	return &clusterCollector{
		cm:       cm,
		members:  prometheus.NewDesc("wandstore_cluster_members", "Cache (Olric) cluster members this member sees, itself included.", nil, nil),
		expected: prometheus.NewDesc("wandstore_cluster_expected_members", "Cache (Olric) cluster members this member expects, itself included.", nil, nil),
		split:    prometheus.NewDesc("wandstore_cluster_split", "1 when this member sees fewer cache cluster members than expected, else 0.", nil, nil),
		member:   prometheus.NewDesc("wandstore_cluster_member", "1 for each cache cluster member this member sees, by name (host:port).", []string{"member"}, nil),
		co:       prometheus.NewDesc("wandstore_cluster_coordinator", "1 for the cache cluster coordinator this member sees, by name (host:port).", []string{"member"}, nil),
	}
}

func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.members, c.expected, c.split, c.member, c.co} {
		ch <- d
	}
}

func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.cm.Membership()
	split := 0.0
	if m.Split {
		split = 1
	}
	ch <- prometheus.MustNewConstMetric(c.members, prometheus.GaugeValue, float64(len(m.Members)))
	ch <- prometheus.MustNewConstMetric(c.expected, prometheus.GaugeValue, float64(m.Expected))
	ch <- prometheus.MustNewConstMetric(c.split, prometheus.GaugeValue, split)
	for _, name := range m.Members {
		ch <- prometheus.MustNewConstMetric(c.member, prometheus.GaugeValue, 1, name)
	}
	if m.Coordinator != "" {
		ch <- prometheus.MustNewConstMetric(c.co, prometheus.GaugeValue, 1, m.Coordinator)
	}
}
