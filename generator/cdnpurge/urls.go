package cdnpurge

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/wandstore/wandstore/generator"
)

// URLs lists, sorted and without repeats, the public URLs a CDN may hold
// for the files a build changed or removed (sum.Changed, sum.Removed).
//
// A published path is the URL path under the root of the host serving it
// ("s/magic-wands/products/elder-wand/index.html" for
// <site>/s/magic-wands/products/elder-wand/): it belongs to the store in
// sum.Stores whose base path is its longest prefix, and takes that store's
// scheme and host (its base_url's, or siteURL's); a path no store claims
// takes siteURL's. A page ".../index.html" gives both its folder URL
// ".../" and the explicit ".../index.html", since either may be cached.
// Changed fingerprinted assets ("assets/app.1a2b3c4d5e.css") are left out:
// their names are new, so no cache holds them; removed ones are kept.
//
// siteURL "" means generator.DefaultSiteURL. URLs returns an error if
// siteURL or a store's base URL is not an absolute http(s) URL.
func URLs(siteURL string, sum *generator.Summary) ([]string, error) {
	if siteURL == "" {
		siteURL = generator.DefaultSiteURL
	}
	site, err := origin(siteURL)
	if err != nil {
		return nil, fmt.Errorf("cdnpurge: site URL: %w", err)
	}
	type root struct {
		prefix string // "s/magic-wands/"
		origin *url.URL
	}
	roots := make([]root, 0, len(sum.Stores))
	for _, st := range sum.Stores {
		r := root{prefix: strings.TrimPrefix(st.Path, "/"), origin: site}
		if st.BaseURL != "" {
			o, err := origin(st.BaseURL)
			if err != nil {
				return nil, fmt.Errorf("cdnpurge: store %s: base URL: %w", st.Handle, err)
			}
			r.origin = o
		}
		roots = append(roots, r)
	}
	// Longest prefix first, so a store's folder wins over the site's root.
	slices.SortStableFunc(roots, func(a, b root) int { return len(b.prefix) - len(a.prefix) })
	hostOf := func(p string) *url.URL {
		for _, r := range roots {
			if strings.HasPrefix(p, r.prefix) {
				return r.origin
			}
		}
		return site
	}

	seen := map[string]bool{}
	add := func(o *url.URL, p string) {
		u := url.URL{Scheme: o.Scheme, Host: o.Host, Path: "/" + p}
		seen[u.String()] = true
	}
	page := func(p string) {
		o := hostOf(p)
		add(o, p)
		if p == "index.html" || strings.HasSuffix(p, "/index.html") {
			add(o, strings.TrimSuffix(p, "index.html"))
		}
	}
	for _, p := range sum.Changed {
		if !fingerprinted(p) {
			page(p)
		}
	}
	for _, p := range sum.Removed {
		page(p)
	}
	out := make([]string, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

// PurgeSummary purges the URLs of what a build changed or removed (see
// URLs): the step after a successful publish, for `wandgen build` and for
// a server that rebuilds on a webhook. It returns URLs' or Purge's error;
// with nothing to purge it sends no request.
func PurgeSummary(ctx context.Context, p *Purger, siteURL string, sum *generator.Summary) (Stats, error) {
	urls, err := URLs(siteURL, sum)
	if err != nil {
		return Stats{}, err
	}
	return p.Purge(ctx, urls)
}

// origin parses an absolute http(s) URL and keeps its scheme and host.
func origin(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// fingerprinted says whether p is an asset named by its content, as the
// generator names them: "<dir>/assets/<stem>.<10 hex digits>[<ext>]".
func fingerprinted(p string) bool {
	dir, name := path.Split(p)
	if dir != "assets/" && !strings.HasSuffix(dir, "/assets/") {
		return false
	}
	parts := strings.Split(name, ".")
	n := len(parts)
	return n >= 2 && parts[0] != "" && (hex10(parts[n-1]) || n >= 3 && hex10(parts[n-2]))
}

func hex10(s string) bool {
	if len(s) != 10 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
