package server

import (
	"net/http"
	"strconv"

	"github.com/pipewell/pipewell/web"
)

// handleRepLoad is the rep load panel for managers: open projects and late
// ones per salesperson they may see, each linking to the Sales screen
// filtered to that owner.
func (s *Server) handleRepLoad(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sq := parseSalesQuery(r.URL.Query(), zone(ctx), moment())
	v := web.RepLoadView{Page: s.page(r, "sales.load.title", "nav.sales"), Fragment: isHX(r)}
	loads, err := s.db.RepLoads(ctx, viewer(ctx), sq.Filter)
	for _, l := range loads {
		v.Reps = append(v.Reps, web.RepLoadRow{Name: l.Owner.Name, Open: l.Open, Late: l.Late,
			URL: "/?" + sq.encode("owner", strconv.FormatInt(l.Owner.ID, 10), "after", "")})
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, web.RepLoadPage(v))
}
