package islands

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wandstore/wandstore/i18n"
)

// TestNewRefusesBrokenMessages: the islands server does not start with a
// message file that does not load (every shopper would see keys).
func TestNewRefusesBrokenMessages(t *testing.T) {
	e := newEnv(t)
	restore := i18n.Override(fstest.MapFS{
		"locales/en/core.yaml": {Data: []byte("greeting: \"Hi, %s\"\n")},
		"locales/de/core.yaml": {Data: []byte("greeting: \"Hallo, %d\"\n")},
	})
	defer restore()
	_, err := New(Options{Store: e.db, Cache: e.cache, Catalogs: NewCatalogs(e.cat), SessionKeys: e.keys})
	if err == nil || !strings.Contains(err.Error(), `de "greeting"`) {
		t.Fatalf("New = %v, want an error naming the broken message", err)
	}
}
