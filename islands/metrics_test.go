package islands

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/wandstore/wandstore/islands/cache"
)

// readyzBody is /readyz's JSON.
type readyzBody struct {
	Database string         `json:"database"`
	Cache    string         `json:"cache"`
	Cluster  *clusterStatus `json:"cluster"`
}

func (e *env) readyz() (int, readyzBody) {
	e.t.Helper()
	resp := e.ops("/readyz")
	defer resp.Body.Close()
	var b readyzBody
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		e.t.Fatalf("readyz JSON: %v", err)
	}
	return resp.StatusCode, b
}

// A member of two whose peer leaves stays ready (its own cache member
// answers) and shows the split in /readyz and /metrics.
func TestReadyzWhenAPeerLeaves(t *testing.T) {
	member := func(peers ...string) (*cache.Cache, string) {
		var gossip int
		c := openCache(t, func(cfg *cache.Config) {
			cfg.Peers, cfg.ExpectedMembers, cfg.ReplicaCount = peers, 2, 2
			gossip = cfg.MemberlistPort
		})
		return c, fmt.Sprintf("127.0.0.1:%d", gossip)
	}
	c1, addr := member()
	c2, _ := member(addr)
	e := newEnv(t, func(o *Options) { o.Cache = c1 })

	both := []string{c1.Name(), c2.Name()}
	slices.Sort(both)
	poll := func(what string, want clusterStatus) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, b := e.readyz()
			if code != http.StatusOK || b.Database != "ok" || b.Cache != "ok" {
				t.Fatalf("%s: readyz %d %+v", what, code, b)
			}
			if b.Cluster != nil && reflect.DeepEqual(*b.Cluster, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: readyz cluster %+v, want %+v", what, b.Cluster, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	poll("two members", clusterStatus{Self: c1.Name(), Members: 2, Names: both, Coordinator: c1.Name(), Expected: 2})
	for name, want := range map[string]string{
		"wandstore_cluster_members": "2", "wandstore_cluster_expected_members": "2", "wandstore_cluster_split": "0",
		`wandstore_cluster_member{member="` + c2.Name() + `"}`:      "1",
		`wandstore_cluster_coordinator{member="` + c1.Name() + `"}`: "1",
	} {
		if got := e.metric(name); got != want {
			t.Errorf("%s = %q, want %s", name, got, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	poll("peer gone", clusterStatus{Self: c1.Name(), Members: 1, Names: []string{c1.Name()}, Coordinator: c1.Name(), Expected: 2, Split: true})
	if got := e.metric("wandstore_cluster_split"); got != "1" {
		t.Errorf("wandstore_cluster_split = %q after the peer left", got)
	}
	if got := e.metric(`wandstore_cluster_member{member="` + c2.Name() + `"}`); got != "" {
		t.Errorf("the peer that left is still reported: %s", got)
	}
}

// One member expects one; without a cache there is no cluster to report.
func TestReadyzCluster(t *testing.T) {
	e := newEnv(t)
	code, b := e.readyz()
	want := clusterStatus{Self: e.cache.Name(), Members: 1, Names: []string{e.cache.Name()}, Coordinator: e.cache.Name(), Expected: 1}
	if code != http.StatusOK || b.Database != "ok" || b.Cache != "ok" || b.Cluster == nil || !reflect.DeepEqual(*b.Cluster, want) {
		t.Errorf("readyz %d %+v (cluster %+v)", code, b, b.Cluster)
	}
	if got := e.metric("wandstore_cluster_split"); got != "0" {
		t.Errorf("wandstore_cluster_split = %q", got)
	}

	e = newEnv(t, func(o *Options) { o.Cache = nil })
	code, b = e.readyz()
	if code != http.StatusOK || b.Cache != "disabled" || b.Cluster != nil {
		t.Errorf("without a cache: readyz %d %+v", code, b)
	}
	if got := e.metric("wandstore_cluster_members"); got != "" {
		t.Errorf("without a cache: wandstore_cluster_members = %q", got)
	}
}
