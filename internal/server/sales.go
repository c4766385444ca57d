package server

import (
	"net/http"

	"github.com/pipewell/pipewell/web"
)

// handleSales is the Sales screen, the home page.
func (s *Server) handleSales(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.SalesPage(web.SalesView{Page: s.page(r, "sales.title", "nav.sales")}))
}
