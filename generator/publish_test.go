package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/publishertest"
)

// dirPublisher reads files back from the folder, for the suite's content
// checks.
type dirPublisher struct{ *generator.DirPublisher }

func (d dirPublisher) Get(_ context.Context, p string) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.Root(), filepath.FromSlash(p)))
}

func TestDirPublisherConformance(t *testing.T) {
	publishertest.Run(t, func(t *testing.T) generator.Publisher {
		d, err := generator.NewDirPublisher(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		return dirPublisher{d}
	})
}
