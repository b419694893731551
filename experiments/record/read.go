package record

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/experiments"
)

// Results reads what was recorded for every experiment of st and analyses
// it (experiments.Analyze), in the order of st.Experiments. now says
// which are running. A conversion counts for an experiment when it came
// at or after the shopper's first exposure and before the experiment's
// stop.
func Results(ctx context.Context, db bun.IDB, st *catalog.Store, now time.Time) ([]experiments.Result, error) {
	out := make([]experiments.Result, 0, len(st.Experiments))
	for i := range st.Experiments {
		e := &st.Experiments[i]
		counts, err := Counts(ctx, db, st.Handle, e)
		if err != nil {
			return nil, err
		}
		out = append(out, experiments.Analyze(e, counts, st.Currency, now))
	}
	return out, nil
}

// Results is the package's Results on the Recorder's database (nil for a
// nil Recorder).
func (r *Recorder) Results(ctx context.Context, st *catalog.Store) ([]experiments.Result, error) {
	if r == nil {
		return nil, nil
	}
	return Results(ctx, r.db, st, r.now())
}

// Counts reads e's visitors and conversions per variant in store.
func Counts(ctx context.Context, db bun.IDB, store string, e *catalog.Experiment) ([]experiments.Counts, error) {
	// Conversions first, visitors second: exposures are only ever added,
	// so every converting visitor read is among the visitors read after.
	by := map[string]*experiments.Counts{}
	goal := e.Goal
	if goal == catalog.GoalRevenue {
		goal = catalog.GoalCheckout
	}
	// Each converting visitor's total value, per variant.
	q := db.NewSelect().TableExpr("experiment_exposures AS e").
		Join("JOIN experiment_conversions AS c ON c.store = e.store AND c.shopper = e.shopper").
		ColumnExpr("e.variant AS variant").ColumnExpr("SUM(c.value) AS total").
		Where("e.store = ?", store).Where("e.experiment = ?", e.ID).Where("c.goal = ?", string(goal)).
		Where("c.at_us >= e.first_seen_us").
		GroupExpr("e.variant, e.shopper")
	if !e.Stop.IsZero() {
		q = q.Where("c.at_us < ?", e.Stop.UnixMicro())
	}
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, fmt.Errorf("experiments: read %s: %w", e.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var variant string
		var total int64
		if err := rows.Scan(&variant, &total); err != nil {
			return nil, fmt.Errorf("experiments: read %s: %w", e.ID, err)
		}
		c := by[variant]
		if c == nil {
			c = &experiments.Counts{Variant: variant}
			by[variant] = c
		}
		if e.Goal == catalog.GoalRevenue && total <= 0 {
			continue
		}
		c.Converted++
		v := float64(total)
		c.Value.Sum += v
		c.Value.SumSq += v * v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("experiments: read %s: %w", e.ID, err)
	}
	rows.Close()
	var visitors []struct {
		Variant string `bun:"variant"`
		N       int64  `bun:"n"`
	}
	if err := db.NewSelect().Table("experiment_exposures").Column("variant").ColumnExpr("COUNT(*) AS n").
		Where("store = ?", store).Where("experiment = ?", e.ID).Group("variant").Scan(ctx, &visitors); err != nil {
		return nil, fmt.Errorf("experiments: read %s: %w", e.ID, err)
	}
	var out []experiments.Counts
	for _, v := range visitors {
		c := experiments.Counts{Variant: v.Variant}
		if conv := by[v.Variant]; conv != nil {
			c = *conv
		}
		c.Visitors = v.N
		out = append(out, c)
	}
	return out, nil
}
