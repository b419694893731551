package generator

import "testing"

// The shards' digests are those of the files they stand for, joined or not.
func TestShardDigestsAreTheFilesDigests(t *testing.T) {
	for _, entries := range [][][]byte{nil, {[]byte(`{"h":"a"}`)}, {[]byte(`{"h":"a"}`), []byte(`{"h":"b"}`), []byte(`{"h":"c"}`)}} {
		if got, want := searchIndexDigest(entries), digest(searchIndex(entries)); got != want {
			t.Errorf("search index of %d entries: digest %s, the file's %s", len(entries), got, want)
		}
		if got, want := urlsetDigest(entries), digest(urlset(entries)); got != want {
			t.Errorf("urlset of %d entries: digest %s, the file's %s", len(entries), got, want)
		}
	}
}
