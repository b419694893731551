package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// leadRetryOf is how often a member that does not lead tries to (app's
// leadRetry).
const leadRetryOf = time.Second

const (
	hookSecret = "shpss_cluster_test_secret_0123456789"
	shopToken  = "shpat_cluster_test"
	shopDomain = "wand-shop.myshopify.com"
)

// Any member takes webhooks and one applies them: a burst of deliveries
// posted round robin to three members, the leader killed with SIGKILL
// midway. Another member takes over; every delivery is applied (none
// failed, none left queued, none handled more than once more), and the
// published pages show each product's last edit.
func TestWebhookLeaderKilledMidBurst(t *testing.T) {
	dsn := testkit.PostgresDSN(t)
	if testing.Short() {
		t.Skip("-short: the cluster test takes about a minute")
	}
	shop := shopifytest.New(t, shopifytest.WithToken(shopToken), shopifytest.WithShop("Wand Shop", "USD"))
	const nProducts = 40
	ps := make([]shopifytest.Product, nProducts)
	for i := range ps {
		ps[i] = shopifytest.Product{
			Handle: fmt.Sprintf("wand-%02d", i), Title: fmt.Sprintf("Wand %02d", i),
			CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-11-01T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: fmt.Sprintf("W%02d", i), AvailableForSale: true,
				Price: shopifytest.Money{Amount: "10.00", CurrencyCode: "USD"}}},
		}
	}
	shop.SetProducts(ps)
	ps = shop.Products() // with their ids
	content := t.TempDir()
	if err := os.MkdirAll(filepath.Join(content, "wands"), 0o755); err != nil {
		t.Fatal(err)
	}
	yaml := "name: Wands\nsource:\n  kind: shopify\n  shop: wand-shop\n  token_env: WANDSTORE_CLUSTER_SHOP_TOKEN\n  endpoint: " + shop.URL() + "\n"
	if err := os.WriteFile(filepath.Join(content, "wands", "store.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	c := newCluster(t, buildWandgen(t), dsn, members)
	c.args = []string{"--content", content}
	c.env = []string{"WANDSTORE_WEBHOOK_SECRET=" + hookSecret, "WANDSTORE_CLUSTER_SHOP_TOKEN=" + shopToken,
		"WANDSTORE_ADMIN_TOKEN=" + adminToken}
	c.startAll(t)
	c.waitMembers(t, members)
	leader := c.leader(t, 10*time.Second)
	t.Logf("member %d leads", leader)
	time.Sleep(2 * leadRetryOf) // the others have tried by now
	for i, m := range c.ms {
		if i != leader && strings.Contains(m.log.String(), "this member leads") {
			t.Fatalf("members %d and %d both lead", leader, i)
		}
	}

	// The burst: each delivery a new title for one product, newer than
	// the last; the shop's own state follows, as Shopify's would.
	const n = 300
	last := map[string]string{}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < n; i++ {
		if i == n/3 {
			c.kill(t, leader)
		}
		k := i % nProducts
		ps[k].Title = fmt.Sprintf("Wand %02d edit %d", k, i)
		at := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(i+1) * time.Second)
		ps[k].UpdatedAt = at.Format(time.RFC3339)
		shop.SetProducts(ps)
		last[ps[k].Handle] = ps[k].Title
		body := shopifytest.ProductPayload(ps[k], at)
		for try := 0; ; try++ {
			m := c.pick(i + try)
			req, _ := http.NewRequest(http.MethodPost, m.url()+"/webhooks/shopify", bytes.NewReader(body))
			req.Header.Set(webhook.HeaderTopic, webhook.TopicProductsUpdate)
			req.Header.Set(webhook.HeaderShopDomain, shopDomain)
			req.Header.Set(webhook.HeaderWebhookID, fmt.Sprintf("burst-%d", i))
			req.Header.Set(webhook.HeaderHmac, webhook.Sign([]byte(hookSecret), body))
			res, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			if err == nil && res.StatusCode == http.StatusOK {
				break
			}
			// Shopify retries a delivery that was not acknowledged: so do we,
			// at another member.
			if try > 5 {
				t.Fatalf("delivery %d not acknowledged: %v", i, err)
			}
		}
	}

	// Drained by the new leader.
	var queued, failed, done, retried int
	deadline := time.Now().Add(60 * time.Second)
	for {
		row := c.db.QueryRowContext(context.Background(), `SELECT
  COUNT(*) FILTER (WHERE status = 'queued'), COUNT(*) FILTER (WHERE status = 'failed'),
  COUNT(*) FILTER (WHERE status = 'done'), COUNT(*) FILTER (WHERE attempts > 2)
FROM webhook_deliveries`)
		if err := row.Scan(&queued, &failed, &done, &retried); err != nil {
			t.Fatal(err)
		}
		if queued == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("deliveries: %d done, %d failed, %d queued, %d handled more than twice", done, failed, queued, retried)
	if queued != 0 || failed != 0 || done != n || retried != 0 {
		t.Fatalf("after the leader died: %d done, %d failed, %d still queued, %d handled more than twice; want %d done", done, failed, queued, retried, n)
	}
	newLeader := c.leader(t, 10*time.Second)
	if newLeader == leader {
		t.Fatalf("member %d still leads after its kill", leader)
	}
	t.Logf("member %d took over", newLeader)

	// Any member's dashboard names the new leader (once its next flush
	// wrote its lead, within 10 s) and lists every member, the dead one
	// included, from the database they share.
	viewer := c.ms[(newLeader+1)%len(c.ms)]
	if !viewer.up.Load() {
		viewer = c.ms[newLeader]
	}
	want := "Webhook and reconcile leader: <strong>127.0.0.1:" + strconv.Itoa(c.ms[newLeader].olric) + "</strong>"
	var board string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		board = adminPage(t, viewer.url())
		if strings.Contains(board, want) || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(board, want) {
		t.Errorf("the dashboard does not name member %d as the leader (%q)", newLeader, want)
	}
	for i, m := range c.ms {
		if !strings.Contains(board, `<th scope="row">127.0.0.1:`+strconv.Itoa(m.olric)+`</th>`) {
			t.Errorf("the dashboard does not list member %d", i)
		}
	}
	out := c.ms[0].out
	for handle, title := range last {
		page, err := os.ReadFile(filepath.Join(out, "s", "wands", "products", handle, "index.html"))
		if err != nil || !strings.Contains(string(page), title) {
			t.Errorf("%s: the page does not show the last edit %q (%v)", handle, title, err)
		}
	}
}

// leader is the member, up now, whose log says it took the leader's role,
// waiting up to within for one.
func (c *cluster) leader(t *testing.T, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for i, m := range c.ms {
			if m.up.Load() && strings.Contains(m.log.String(), "this member leads") {
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no member leads")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminToken opens the members' dashboards.
const adminToken = "cluster-test-admin-token-0123456789"

// adminPage is base's /admin/, read with the admin token.
func adminPage(t *testing.T, base string) string {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/admin/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s/admin/: %d", base, res.StatusCode)
	}
	return string(b)
}
