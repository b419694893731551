package e2e

// A browser test of Shopify webhooks: a products/update delivery changes a
// product's title and price, and a shopper reloading the product page and
// opening the cart sees both within a second. It runs a demo of its own,
// backed by a stand-in Shopify shop, next to the suite's shared one, and
// reuses the suite's browser.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/wandstore/wandstore/app"
	"github.com/wandstore/wandstore/internal/testkit"
	"github.com/wandstore/wandstore/shopify/shopifytest"
	"github.com/wandstore/wandstore/shopify/webhook"
)

const (
	webhookShopToken = "shpat_e2e_webhook"
	webhookSecret    = "whsec_e2e_webhook_secret"
	webhookTokenEnv  = "WANDSTORE_E2E_WEBHOOK_TOKEN"
	webhookShop      = "wand-shop.myshopify.com"
	// webhookWithin is how soon after the webhook is accepted a shopper
	// must see the change.
	webhookWithin = time.Second
)

func webhookProducts() []shopifytest.Product {
	return []shopifytest.Product{
		// Ids set here, so a payload made from these values names the
		// right product.
		{ID: "gid://shopify/Product/1", Handle: "elder-wand", Title: "Elder Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-01T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "EW", AvailableForSale: true, Price: shopifytest.Money{Amount: "129.00", CurrencyCode: "USD"}}}},
		{ID: "gid://shopify/Product/2", Handle: "holly-wand", Title: "Holly Wand", UpdatedAt: "2026-11-20T10:00:00Z", CreatedAt: "2026-01-02T00:00:00Z",
			Variants: []shopifytest.Variant{{SKU: "HW", AvailableForSale: true, Price: shopifytest.Money{Amount: "49.00", CurrencyCode: "USD"}}}},
	}
}

// startShopifyDemo starts a demo of one store, "wands", whose catalog comes
// from a stand-in Shopify shop, with webhooks on.
func startShopifyDemo(t *testing.T) (*shopifytest.Server, *app.Demo) {
	t.Helper()
	shop := shopifytest.New(t, shopifytest.WithToken(webhookShopToken), shopifytest.WithShop("Wand Shop", "USD"))
	shop.SetProducts(webhookProducts())
	t.Setenv(webhookTokenEnv, webhookShopToken)
	t.Setenv("WANDSTORE_WEBHOOK_SECRET", webhookSecret)

	dir := t.TempDir()
	storeYAML := "name: Wands from Shopify\n" +
		"source:\n" +
		"  kind: shopify\n" +
		"  shop: wand-shop\n" +
		"  token_env: " + webhookTokenEnv + "\n" +
		"  endpoint: " + shop.URL() + "\n"
	if err := os.MkdirAll(filepath.Join(dir, "wands"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wands", "store.yaml"), []byte(storeYAML), 0o644); err != nil {
		t.Fatal(err)
	}

	log := &testkit.LogBuffer{}
	d, err := app.StartDemo(context.Background(), app.DemoOptions{
		Addr:            "127.0.0.1:0",
		Content:         dir,
		Out:             t.TempDir(),
		Data:            t.TempDir(),
		Log:             log,
		OlricPort:       testkit.MustFreePort(t),
		OlricGossipPort: testkit.MustFreePort(t),
	})
	if err != nil {
		t.Fatalf("start the Shopify-backed demo: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			t.Errorf("close the Shopify-backed demo: %v", err)
		}
		if t.Failed() && log.Len() > 0 {
			t.Logf("Shopify-backed demo log (last 4 KiB):\n%s", log.Tail(4096))
		}
	})
	return shop, d
}

// sendWebhook posts a signed products/update delivery to the demo and
// returns its status.
func sendWebhook(t *testing.T, d *app.Demo, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.URL+"/webhooks/shopify", bytes.NewReader(body))
	check(t, err, "build the webhook request")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTopic, webhook.TopicProductsUpdate)
	req.Header.Set(webhook.HeaderShopDomain, webhookShop)
	req.Header.Set(webhook.HeaderWebhookID, fmt.Sprintf("e2e-wh-%d", time.Now().UnixNano()))
	req.Header.Set(webhook.HeaderAPIVersion, "2025-07")
	req.Header.Set(webhook.HeaderHmac, webhook.Sign([]byte(webhookSecret), body))
	res, err := http.DefaultClient.Do(req)
	check(t, err, "send the webhook")
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

// visitAt opens an absolute URL (not the shared demo's), requires a 200
// and waits for the page's islands.
func visitAt(t *testing.T, page playwright.Page, rawURL string) {
	t.Helper()
	resp, err := page.Goto(rawURL)
	if err != nil {
		t.Fatalf("open %s: %v", rawURL, err)
	}
	if resp == nil || resp.Status() != http.StatusOK {
		status := 0
		if resp != nil {
			status = resp.Status()
		}
		t.Fatalf("open %s: status %d, want 200", rawURL, status)
	}
	islandsLoaded(t, page)
}

// TestWebhookUpdatesProductPageAndCart: a shopper has the Elder Wand in the
// cart; Shopify renames it and raises its price, and its products/update
// webhook reaches the demo. Reloading the product page shows the new title
// and price within a second of the webhook's 200, and so does the cart.
func TestWebhookUpdatesProductPageAndCart(t *testing.T) {
	page := newPage(t) // skips or fails first when the browser is missing
	shop, d := startShopifyDemo(t)

	const (
		oldTitle, oldPrice = "Elder Wand", "$129.00"
		newTitle, newPrice = "Elder Wand (reforged)", "$149.00"
	)
	productURL := d.URL + "/s/wands/products/elder-wand/"
	cartURL := d.URL + "/s/wands/cart/"
	within := playwright.LocatorAssertionsToContainTextOptions{Timeout: playwright.Float(float64(webhookWithin.Milliseconds()))}
	withinExact := playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(float64(webhookWithin.Milliseconds()))}
	title := page.Locator("[data-testid=product-title]")
	price := page.Locator("[data-testid=product-price]")
	line := page.Locator("[data-testid=cart-drawer] [data-testid=cart-line]")

	// The shopper puts the wand in the cart from its page.
	visitAt(t, page, productURL)
	check(t, expect.Locator(title).ToHaveText(oldTitle), "product title before the webhook")
	check(t, expect.Locator(price).ToContainText(oldPrice), "product price before the webhook")
	expectCartCount(t, page, 0)
	buy := page.Locator("form.buy")
	check(t, buy.Locator("[data-testid=add-to-cart]").Click(), "click Add to cart")
	check(t, expect.Locator(page.Locator("#buy-status [data-testid=buy-status-message]")).ToContainText(oldTitle),
		"#buy-status should confirm adding "+oldTitle)
	expectCartCount(t, page, 1)

	visitAt(t, page, cartURL)
	check(t, expect.Locator(line).ToHaveCount(1), "the cart should hold one line")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-title]")).ToHaveText(oldTitle), "cart line title before the webhook")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-price]")).ToHaveText(oldPrice), "cart line price before the webhook")
	visitAt(t, page, productURL)

	// Shopify changes the title and the price; the webhook carries both.
	ps := webhookProducts()
	ps[0].Title, ps[0].Variants[0].Price.Amount = newTitle, "149.00"
	shop.SetProducts(ps)
	body := shopifytest.ProductPayload(ps[0], time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	if code := sendWebhook(t, d, body); code != http.StatusOK {
		t.Fatalf("webhook: status %d, want 200", code)
	}
	t0 := time.Now()

	// The shopper reloads the product page until it shows both.
	var seen time.Duration
	for reloads := 1; ; reloads++ {
		resp, err := page.Reload()
		check(t, err, "reload the product page")
		status := 0
		if resp != nil {
			status = resp.Status()
		}
		gotTitle, err := title.TextContent()
		check(t, err, "read the product title")
		gotPrice, err := price.TextContent()
		check(t, err, "read the product price")
		if strings.TrimSpace(gotTitle) == newTitle && strings.Contains(gotPrice, newPrice) {
			seen = time.Since(t0)
			t.Logf("the product page showed %q at %s, %s after the webhook's 200 (%d reloads)",
				newTitle, newPrice, seen.Round(time.Millisecond), reloads)
			break
		}
		if time.Since(t0) > webhookWithin {
			t.Fatalf("a reloaded product page (last reload: status %d, %d reloads) still shows %q at %q %s after the webhook's 200, want %q at %s",
				status, reloads, strings.TrimSpace(gotTitle), strings.TrimSpace(gotPrice), time.Since(t0).Round(time.Millisecond), newTitle, newPrice)
		}
	}
	if seen > webhookWithin {
		t.Errorf("the product page changed %s after the webhook, want within %s", seen.Round(time.Millisecond), webhookWithin)
	}
	check(t, expect.Locator(title).ToHaveText(newTitle, withinExact), "product title after the webhook")
	check(t, expect.Locator(price).ToContainText(newPrice, within), "product price after the webhook")
	islandsLoaded(t, page)

	// The cart's line follows the catalog: new title, new price.
	cartStart := time.Now()
	visitAt(t, page, cartURL)
	check(t, expect.Locator(line).ToHaveCount(1), "the cart should still hold one line")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-title]")).ToContainText(newTitle, within), "cart line title after the webhook")
	check(t, expect.Locator(line.Locator("[data-testid=cart-line-price]")).ToContainText(newPrice, within), "cart line price after the webhook")
	check(t, expect.Locator(page.Locator("[data-testid=cart-subtotal]")).ToContainText(newPrice, within), "cart subtotal after the webhook")
	t.Logf("the cart showed the new title and price %s after opening it, %s after the webhook's 200",
		time.Since(cartStart).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	expectCartCount(t, page, 1)
	screenshot(t, page, "webhook-cart.png")
}
