package catalog

// AllProducts returns a collection of every published product in source
// order, like Shopify's /collections/all. It is not added to the store, so
// CollectionsOf keeps to the merchant's own collections.
func (s *Store) AllProducts(handle, title string) *Collection {
	return &Collection{Handle: handle, Title: title, Sort: SortManual, products: s.PublishedProducts()}
}
