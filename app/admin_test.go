package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// An operator opens /admin/ with the token and sees what the server did
// (its island requests) and what the CLI built, a failed build included;
// without the token, a 401 and nothing else; with no token set, no
// dashboard at all.
func TestDashboardShowsBuildsAndRequests(t *testing.T) {
	content, out, data := testkit.ContentDir(t, shopArchive), t.TempDir(), t.TempDir()
	db := filepath.Join(data, "wandstore.db")
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--db", db, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	mug := filepath.Join(content, "shop", "products", "mug.md")
	good, err := os.ReadFile(mug)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mug, []byte(strings.Replace(string(good), `price: "1234.50"`, `price: "lots"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// The default database: <data>/wandstore.db, as it exists now.
	if _, _, err := run(t, "build", "--content", content, "--out", out, "--data", data, "--quiet"); err == nil {
		t.Fatal("a build of a broken price succeeded")
	}
	if err := os.WriteFile(mug, good, 0o644); err != nil {
		t.Fatal(err)
	}

	const token = "dashboard-token-for-the-app-test"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out,
		Data: data, NoCache: true, AdminToken: token})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if !s.Islands.Dashboard() {
		t.Fatal("no dashboard with a token")
	}
	res, err := http.PostForm(s.URL+"/s/shop/islands/cart/add", url.Values{"product": {"mug"}, "variant": {"default"}, "quantity": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if code, body := adminPage(t, s.URL, ""); code != http.StatusUnauthorized || strings.Contains(body, "cart/add") {
		t.Fatalf("without the token: %d", code)
	}
	for _, base := range []string{s.URL, s.OpsURL} {
		code, body := adminPage(t, base, token)
		if code != http.StatusOK {
			t.Fatalf("%s/admin/ with the token: %d", base, code)
		}
		for _, want := range []string{`<th scope="row">cart/add</th>`, "wandgen build", "1 products, ", "lots", `class="bad"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s/admin/ lacks %q", base, want)
			}
		}
	}

	off, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out,
		Data: t.TempDir(), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close(ctx)
	if code, _ := adminPage(t, off.URL, token); code != http.StatusNotFound {
		t.Errorf("with no token set, /admin/ answers %d, want 404", code)
	}
}

// A token too short to be a secret stops the server from starting.
func TestShortAdminTokenIsRefused(t *testing.T) {
	content, out := testkit.ContentDir(t, shopArchive), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	_, err := StartServe(t.Context(), ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out,
		Data: t.TempDir(), NoCache: true, AdminToken: "short"})
	if err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("a 5-character admin token: %v", err)
	}
}

// A store's experiment, end to end: shoppers see their variant's greeting,
// their visits and adds to cart are recorded in batches, and both the
// dashboard and `wandgen experiments` show them per variant.
func TestExperimentEndToEnd(t *testing.T) {
	archive := strings.Replace(shopArchive, "locale: de-DE\n", `locale: de-DE
experiments:
  - id: welcome
    goal: add_to_cart
    variants:
      - name: control
        weight: 1
      - name: owls
        weight: 1
        greeting: "Eulenpost gratis"
`, 1)
	content, out, data := testkit.ContentDir(t, archive), t.TempDir(), t.TempDir()
	if _, stderr, err := run(t, "build", "--content", content, "--out", out, "--quiet"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	const token = "dashboard-token-for-the-app-test"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out,
		Data: data, NoCache: true, AdminToken: token})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			s.Close(ctx)
		}
	}()
	greeted := 0
	const shoppers = 20
	for range shoppers {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		badge := func() string {
			t.Helper()
			res, err := c.Get(s.URL + "/s/shop/islands/cart/badge")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return string(b)
		}
		// A product page's view gives a new shopper a cookie; from then
		// on the greeting they see counts them as exposed.
		res, err := c.PostForm(s.URL+"/s/shop/islands/views", url.Values{"product": {"mug"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		b := badge()
		if strings.Contains(b, "Eulenpost gratis") {
			greeted++
		}
		res, err = c.PostForm(s.URL+"/s/shop/islands/cart/add", url.Values{"product": {"mug"}, "variant": {"default"}, "quantity": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if greeted == 0 || greeted == shoppers {
		t.Errorf("%d of %d shoppers saw the variant's greeting: want a split", greeted, shoppers)
	}
	closed = true
	if err := s.Close(ctx); err != nil { // writes what was gathered
		t.Fatal(err)
	}
	stdout, stderr, err := run(t, "experiments", "--content", content, "--data", data)
	if err != nil {
		t.Fatalf("experiments: %v\n%s", err, stderr)
	}
	for _, want := range []string{"shop / welcome: goal add_to_cart, running", "control", "owls", "too early"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout)
		}
	}
	// Each shopper is one visitor of their variant, and converted.
	for name, n := range map[string]int{"control": shoppers - greeted, "owls": greeted} {
		row := regexp.MustCompile(`(?m)^` + name + `\s+1\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(stdout)
		if row == nil || row[1] != strconv.Itoa(n) || row[2] != strconv.Itoa(n) {
			t.Errorf("%s: visitors and conversions %v, want %d and %d:\n%s", name, row, n, n, stdout)
		}
	}

	s2, err := StartServe(ctx, ServeOptions{Addr: "127.0.0.1:0", OpsAddr: "127.0.0.1:0", Content: content, Public: out,
		Data: data, NoCache: true, AdminToken: token})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	_, b := adminPage(t, s2.URL, token)
	for _, want := range []string{`<h2 id="tests-h">Experiments</h2>`, "shop / welcome", `<th scope="row">owls</th>`} {
		if !strings.Contains(b, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
}

// adminPage GETs base's /admin/ with auth as its bearer token (none when
// ""), and returns the status and the body.
func adminPage(t *testing.T, base, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/admin/", nil)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
