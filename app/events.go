package app

// wireEvents connects the islands' live event streams to the rest of the
// server: the HTTP server's Shutdown ends them (it would otherwise wait on
// each open page until its deadline). Product changes come from regen
// (productsChanged, given to regen.Options in setupShopify).
func (s *Server) wireEvents() {
	s.srv.RegisterOnShutdown(s.Islands.EndStreams)
}

// productsChanged tells the pages open on the products (on every member,
// through the cache's pub/sub) that their price or stock changed. regen
// calls it on the member that applies the change, once its pages are
// published; s.Islands is set before regen runs.
func (s *Server) productsChanged(store string, handles []string) {
	if s.Islands != nil {
		s.Islands.ProductsChanged(store, handles)
	}
}
