package islands

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wandstore/wandstore/internal/testkit"
)

// nginxPath finds Debian's nginx: WANDSTORE_NGINX (then required, as CI
// sets it), else the usual places; the test is skipped without one.
func nginxPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WANDSTORE_NGINX"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("WANDSTORE_NGINX=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Skip("no nginx: apt-get install nginx, or set WANDSTORE_NGINX to its path (CI does)")
	return ""
}

// carelessNginx starts nginx on 127.0.0.1 in front of upstream as a
// careless operator would configure it: it caches every answer for ten
// minutes whatever Cache-Control, Expires or Set-Cookie say (it still
// honours Vary, as nginx does unless told otherwise). It is stopped when
// the test ends.
func carelessNginx(t *testing.T, upstream string) string {
	t.Helper()
	bin := nginxPath(t)
	dir := t.TempDir()
	port := testkit.MustFreePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	proxy_cache_path %[1]s/cache keys_zone=careless:1m;
	server {
		listen 127.0.0.1:%[2]d;
		location / {
			proxy_pass %[3]s;
			proxy_set_header Host $host;
			proxy_cache careless;
			proxy_cache_valid any 10m;
			proxy_ignore_headers Cache-Control Expires Set-Cookie;
			add_header X-Cache-Status $upstream_cache_status always;
		}
	}
}
`, dir, port, upstream)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	out, _ := os.Create(filepath.Join(dir, "stderr.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not listen on %s:\n%s", addr, log)
		}
	}
	return "http://" + addr
}

var cartCount = regexp.MustCompile(`data-testid="cart-count">(\d+)<`)

// TestCarelessCachingProxyLeaksNothing is the red team's careless cache:
// shoppers behind one nginx that caches personal answers anyway. Each
// shopper's cart badge, drawer and wishlist must be their own, every time.
func TestCarelessCachingProxyLeaksNothing(t *testing.T) {
	e := newEnv(t)
	proxy := carelessNginx(t, e.ts.URL)
	ps := e.cat.Store.PublishedProducts()
	type shopper struct {
		hc    *http.Client
		count int
	}
	do := func(s *shopper, method, island string, form url.Values) (string, http.Header) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, proxy+e.base+island, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := s.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s through the proxy: %d %s", method, island, resp.StatusCode, b)
		}
		return string(b), resp.Header
	}
	var shoppers []*shopper
	for _, p := range ps {
		if len(shoppers) == 4 {
			break
		}
		n := len(shoppers) + 1 // each shopper's cart holds a different count
		v := p.Variants[0]
		if !v.Available || (v.Tracked && v.Inventory < n) {
			continue
		}
		jar, _ := cookiejar.New(nil)
		s := &shopper{hc: &http.Client{Jar: jar}, count: n}
		do(s, "POST", "cart/add", url.Values{"product": {p.Handle}, "variant": {v.ID}, "quantity": {strconv.Itoa(n)}})
		if body, _ := do(s, "GET", "cart/badge", nil); !strings.Contains(body, `data-testid="cart-count">`+strconv.Itoa(n)+"<") {
			t.Fatalf("shopper %d's cart right after adding: %s", n, body)
		}
		shoppers = append(shoppers, s)
	}
	requests, leaks, hits := 0, 0, 0
	for round := 0; round < 25; round++ {
		for _, s := range shoppers {
			body, h := do(s, "GET", "cart/badge", nil)
			requests++
			if h.Get("X-Cache-Status") == "HIT" {
				hits++
			}
			if m := cartCount.FindStringSubmatch(body); m == nil || m[1] != strconv.Itoa(s.count) {
				leaks++
			}
		}
	}
	t.Logf("%d answers through a careless cache: %d leaked another shopper's cart, %d were cache hits", requests, leaks, hits)
	if leaks != 0 {
		t.Fatalf("%d of %d answers showed another shopper's cart", leaks, requests)
	}
	if hits == 0 {
		t.Fatal("the proxy cached nothing: the test cannot tell a leak-proof answer from an uncached one")
	}
}
