package generator

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The scanner reads what the manifest's writer writes exactly as
// encoding/json does, and gives up (to encoding/json) on anything else.
func TestScanManifestReadsWhatWriteWrites(t *testing.T) {
	m := &Manifest{Version: manifestVersion, Store: "big", Log: 7, Files: map[string]Entry{}}
	for i := range 500 {
		m.Files[fmt.Sprintf("s/big/products/p-%03d/index.html", i)] = Entry{In: fmt.Sprintf("%032x", i), Out: fmt.Sprintf("%032x", i*7), Size: i * 13, Enc: []string{"", "br,gz", "-"}[i%3]}
	}
	m.Files["s/big/caf\u00e9/index.html"] = Entry{In: "a", Out: "b", Size: 0} // UTF-8 is written as it is
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := scanManifest(data)
	if !ok {
		t.Fatal("the scanner gave up on a manifest as written")
	}
	if !reflect.DeepEqual(got, m) {
		t.Error("the scanner read something else than was written")
	}
	compact, _ := json.Marshal(m)
	if got, ok := scanManifest(compact); !ok || !reflect.DeepEqual(got, m) {
		t.Error("the scanner did not read the compact form")
	}

	// Anything else goes to encoding/json, which decodeManifest then
	// reads as before.
	for name, doc := range map[string]string{
		"an escaped path":    `{"version":1,"store":"x","files":{"s/a\u0026b/index.html":{"in":"1","out":"2","size":3}}}`,
		"an unknown field":   `{"version":1,"store":"x","files":{},"extra":true}`,
		"a field of a file":  `{"version":1,"store":"x","files":{"a":{"in":"1","out":"2","size":3,"mode":4}}}`,
		"a float":            `{"version":1,"store":"x","files":{"a":{"in":"1","out":"2","size":3.5}}}`,
		"a negative size":    `{"version":1,"store":"x","files":{"a":{"in":"1","out":"2","size":-3}}}`,
		"a field twice":      `{"version":1,"store":"x","store":"y","files":{}}`,
		"a file twice":       `{"version":1,"store":"x","files":{"a":{"in":"1"},"a":{"in":"2"}}}`,
		"a trailing comma":   `{"version":1,"store":"x","files":{},}`,
		"cut short":          `{"version":1,"store":"x","files":{"a":{"in":"1"`,
		"text after":         `{"version":1,"store":"x","files":{}} x`,
		"a leading zero":     `{"version":01,"store":"x","files":{}}`,
		"not an object":      `[1,2]`,
		"a null":             `{"version":1,"store":null,"files":{}}`,
		"a control in a str": "{\"version\":1,\"store\":\"x\ty\",\"files\":{}}",
	} {
		if _, ok := scanManifest([]byte(doc)); ok {
			t.Errorf("%s: the scanner read %s", name, doc)
		}
		var want Manifest
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, ok := decodeManifest([]byte(doc))
		if ok != (wantErr == nil) {
			t.Errorf("%s: decodeManifest ok %v, encoding/json error %v", name, ok, wantErr)
		} else if ok && !reflect.DeepEqual(*got, want) {
			t.Errorf("%s: decodeManifest %+v, encoding/json %+v", name, *got, want)
		}
	}
	if !strings.Contains(string(data), "\u00e9") {
		t.Error("the writer escaped UTF-8: the scanner would never be used for such paths")
	}
}

// A snapshot cut short (a full disk, a crash of another writer) is no
// manifest: the build renders everything again rather than trust part of
// it, whichever reader gave up on it.
func TestCutSnapshotIsAFullRebuild(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Version: manifestVersion, Store: "tea", Files: map[string]Entry{"a": {In: "1", Out: "1", Size: 1}, "b": {In: "2", Out: "2", Size: 2, Enc: "br,gz"}}}
	if err := m.save(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(manifestPath(dir, "tea"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := loadManifest(dir, "tea"); err != nil || !maps.Equal(got.Files, m.Files) {
		t.Fatalf("the whole snapshot loaded as %v, %v", got, err)
	}
	for _, n := range []int{len(data) / 3, len(data) / 2, len(data) - 2} {
		if err := os.WriteFile(manifestPath(dir, "tea"), data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := loadManifest(dir, "tea")
		if err != nil || len(got.Files) != 0 {
			t.Errorf("a snapshot cut to %d of %d bytes loaded as %v, %v", n, len(data), got.Files, err)
		}
	}
}
