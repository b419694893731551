package catalog

import "maps"

// overlay is a map shared by the versions of a store that Store.With
// makes: a base no version writes to, and the entries a version changed
// over it (a zero value hides a base entry). A change copies only those
// entries, and folds them into a new base once they outgrow foldAt of the
// base's size, so a change costs about what it touches, not the map.
type overlay[K comparable, V comparable] struct {
	base map[K]V
	over map[K]V
}

func (o overlay[K, V]) get(k K) V {
	if v, ok := o.over[k]; ok {
		return v
	}
	return o.base[k]
}

// indexed reports whether the map was made (Store.Index).
func (o overlay[K, V]) indexed() bool { return o.base != nil }

// with returns the map with set's entries (a zero value removes one); o
// is unchanged.
func (o overlay[K, V]) with(set map[K]V) overlay[K, V] {
	if len(set) == 0 {
		return o
	}
	over := make(map[K]V, len(o.over)+len(set))
	maps.Copy(over, o.over)
	maps.Copy(over, set)
	if len(over) <= foldAt(len(o.base)) {
		return overlay[K, V]{base: o.base, over: over}
	}
	base := maps.Clone(o.base)
	var zero V
	for k, v := range over {
		if v == zero {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return overlay[K, V]{base: base}
}

// foldAt is how many changed entries a base of n entries carries before
// they are folded into a new base: about 4·√n, so a change copies O(√n)
// entries and a fold (O(n)) comes once every O(√n) changed entries.
func foldAt(n int) int {
	r := 1
	for r*r < n {
		r++
	}
	return 64 + 4*r
}
