package generator

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// The shard files are what the site's readers parse (a JSON array, a
// sitemap urlset), and the shards' digests are those of the files they
// stand for, joined or not.
func TestShardDigestsAreTheFilesDigests(t *testing.T) {
	const urlsetHead = xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n"
	for _, c := range []struct {
		entries       [][]byte
		index, urlset string
	}{
		{nil, "[]\n", urlsetHead + "</urlset>\n"},
		{[][]byte{[]byte(`{"h":"a"}`)}, `[{"h":"a"}]` + "\n", urlsetHead + `{"h":"a"}</urlset>` + "\n"},
		{[][]byte{[]byte(`{"h":"a"}`), []byte(`{"h":"b"}`), []byte(`{"h":"c"}`)},
			`[{"h":"a"},{"h":"b"},{"h":"c"}]` + "\n", urlsetHead + `{"h":"a"}{"h":"b"}{"h":"c"}</urlset>` + "\n"},
	} {
		var index bytes.Buffer
		if err := writeSearchIndex(&index, c.entries); err != nil {
			t.Fatal(err)
		}
		if index.String() != c.index {
			t.Errorf("search index of %d entries = %q, want %q", len(c.entries), index.String(), c.index)
		}
		if got, want := searchIndexDigest(c.entries), digest(index.Bytes()); got != want {
			t.Errorf("search index of %d entries: digest %s, the file's %s", len(c.entries), got, want)
		}
		if got := string(urlset(c.entries)); got != c.urlset {
			t.Errorf("urlset of %d entries = %q, want %q", len(c.entries), got, c.urlset)
		}
		if got, want := urlsetDigest(c.entries), digest(urlset(c.entries)); got != want {
			t.Errorf("urlset of %d entries: digest %s, the file's %s", len(c.entries), got, want)
		}
	}
}
