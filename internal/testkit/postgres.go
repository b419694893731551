// Package testkit holds what tests across the repository share: a fresh
// PostgreSQL schema per test and both database backends per test, free
// ports on 127.0.0.1, the embedded demo stores, content folders described
// as txtar archives, and a log buffer safe to read while a server writes.
// It is imported by tests only, and imports only the leaf packages catalog,
// catalog/contentdir and content (and internal/freeport), so any package
// above them may use it in its own tests without an import cycle.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the variable that points the tests at a PostgreSQL
// server: a postgres:// URL of a role that may create schemas. Unset, the
// PostgreSQL runs of the tests skip; set, they are required (an
// unreachable server fails them). `eval "$(bash scripts/postgres.sh start)"`
// starts a throwaway server and sets it.
const PostgresEnv = "WANDSTORE_PG_DSN"

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// HasPostgres reports whether PostgreSQL tests are enabled.
func HasPostgres() bool { return os.Getenv(PostgresEnv) != "" }

// SkipWithoutPostgres skips t unless PostgresEnv is set, saying how to
// enable it.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if !HasPostgres() {
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://... (eval \"$(bash scripts/postgres.sh start)\" starts a throwaway server)", PostgresEnv)
	}
}

// PostgresDSN returns the URL of a fresh, empty schema on the server named
// by PostgresEnv (search_path set to it), dropped when t ends. It skips t
// when PostgresEnv is unset and fails it when the server cannot be reached.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	SkipWithoutPostgres(t)
	base := os.Getenv(PostgresEnv)
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", base)
		if adminErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			adminErr = admin.PingContext(ctx)
			cancel()
		}
	})
	if adminErr != nil {
		t.Fatalf("%s: %v", PostgresEnv, adminErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// EachDB runs f once per database backend, as subtests named "sqlite" and
// "postgres"; inside, DSN(t) makes a fresh database of the subtest's
// backend. The postgres subtest skips when PostgresEnv is unset.
func EachDB(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	t.Run("sqlite", f)
	t.Run("postgres", func(t *testing.T) {
		SkipWithoutPostgres(t)
		f(t)
	})
}

// DSN returns a fresh database for t: a PostgreSQL schema (PostgresDSN)
// when t runs inside EachDB's "postgres" subtest, else an SQLite file in
// t.TempDir().
func DSN(t testing.TB) string {
	t.Helper()
	parts := strings.Split(t.Name(), "/")
	if len(parts) > 1 && parts[1] == "postgres" {
		return PostgresDSN(t)
	}
	return filepath.Join(t.TempDir(), "wand.db")
}
